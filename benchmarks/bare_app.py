"""The yardstick for start-up: a bare Textual app showing a 10-row DataTable, nothing else."""

from textual.app import App, ComposeResult
from textual.widgets import DataTable


class Bare(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Device", "Location", "Last active")
        for row in range(10):
            table.add_row(f"Device {row}", "Berlin, DE", "This device" if row == 0 else "now")


if __name__ == "__main__":
    Bare().run()
