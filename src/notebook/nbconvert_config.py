"""nbconvert settings of ``npm run notebooks`` (src/notebook/run-notebook.ts passes ``--config``).

When a cell fails, nbclient raises "An error occurred while executing the following cell" without the
cell's own error: the tslab kernel reports a thrown error as the cell's stderr, not as an error reply.
This hook prints the cell's own error as one marked line, ``PP_CELL_ERROR {"cell": n, "error": "..."}``,
which the runner puts in its one-line failure.
"""

import json
import re
import sys

MARKER = "PP_CELL_ERROR"
# The first line of a JavaScript stack ("PipelineError: ... run npm run setup:python") or of a Python traceback's end.
ERROR_LINE = re.compile(r"^\s*(?:Uncaught )?([A-Za-z_$][\w$.]*(?:Error|Exception)|Error)\b(?:\s*\[[^\]]*\])?: ?(.*)$")


def cell_error(cell, execute_reply):
    """The cell's own error as "Name: message": an error output, else the first error line of its stderr, else the reply's."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".strip()
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            text = output.get("text", "")
            for line in text.splitlines():
                match = ERROR_LINE.match(line)
                if match:
                    return f"{match.group(1)}: {match.group(2)}".strip()
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            if lines:
                return lines[-1]
    content = (execute_reply or {}).get("content", {})
    return f"{content.get('ename', 'Error')}: {content.get('evalue', '')}".strip()


def print_cell_error(cell, cell_index, execute_reply):
    """nbclient's on_cell_error hook: the marked line on stderr."""
    first = next(
        (line for line in cell.get("source", "").splitlines() if line.strip() and not line.strip().startswith("//")), ""
    )
    print(
        f"{MARKER} {json.dumps({'cell': cell_index, 'source': first.strip(), 'error': cell_error(cell, execute_reply)})}",
        file=sys.stderr,
        flush=True,
    )


c = get_config()  # noqa: F821 (defined by traitlets when it loads this file)
c.ExecutePreprocessor.on_cell_error = print_cell_error
