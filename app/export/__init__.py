"""What the organisation keeps from a session: the PDF report, the CSV of cards, the JSON workshop file."""
