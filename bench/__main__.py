"""`python -m bench [--quick]` (make bench), `python -m bench soak [--minutes N]` (make soak) and
`python -m bench export [--reps N]` (make bench-export: the PDF export step alone) and
`python -m bench failover` (make bench-failover: the kill of one of two processes alone)."""

from __future__ import annotations

import argparse

from bench import export, run, soak


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("what", nargs="?", default="bench", choices=["bench", "soak", "export", "failover"])
    parser.add_argument("--quick", action="store_true", help="one short run of each step (a smoke test of the harness)")
    parser.add_argument("--no-profile", action="store_true", help="skip py-spy during the target step")
    parser.add_argument("--profile", action="store_true", help="profile the target step even with --quick")
    parser.add_argument("--no-readme", action="store_true", help="do not update the table in README.md")
    parser.add_argument("--render", metavar="JSON", help="only render the table of a saved run (docs/perf/latest.json, soak-latest.json)")
    parser.add_argument("--minutes", type=float, default=30.0, help="soak length")
    parser.add_argument("--rate", type=float, default=2.0, help="soak: edits per second per board (25 boards)")
    parser.add_argument("--reps", type=int, default=3, help="export: PDFs made per board size")
    parser.add_argument("--cards", type=int, nargs="*", default=list(export.CARDS), help="export: board sizes")
    args = parser.parse_args()
    if args.what == "export":
        export.main(reps=args.reps, sizes=tuple(args.cards), update_readme=not args.no_readme)
        return
    if args.what == "soak":
        if args.render:
            import json
            from pathlib import Path

            soak.render(json.loads(Path(args.render).read_text()))
        else:
            soak.main(min(args.minutes, 120.0), args.rate)
        return
    if args.what == "failover":
        from bench import cluster

        cluster.failover_main(run.Config.quick_run() if args.quick else run.Config(), update_readme=not (args.no_readme or args.quick))
        return
    if args.render:
        run.render_saved(args.render, update_readme=not args.no_readme)
        return
    cfg = run.Config.quick_run() if args.quick else run.Config()
    if args.no_profile:
        cfg.profile = False
    if args.profile:
        cfg.profile = True
    run.main(cfg, update_readme=not args.no_readme)


if __name__ == "__main__":
    main()
