// Zichtlijn's script, as a few ES modules: live updates and the sequence guard (live.js), the
// offline queue (queue.js), dialogs (dialogs.js), the praatplaat (chart.js), the board's tools
// (board.js), the room (room.js), display preferences (prefs.js); helpers once, in util.js.
// Everything that changes data goes through htmx requests to the server.
import { slug } from './util.js';
import * as prefs from './prefs.js';
import * as live from './live.js';
import * as queue from './queue.js';
import * as dialogs from './dialogs.js';
import * as chart from './chart.js';
import * as board from './board.js';
import * as room from './room.js';

prefs.start();
if (slug) {
  live.start();
  queue.start();
  dialogs.start();
  chart.start();
  board.start();
  room.start();
}
