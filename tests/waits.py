"""How long a test waits for a worker, a browser or a server before it gives up.

A wait returns as soon as its condition holds, so a long limit costs nothing on a fast machine;
on a loaded one (a load average of 10, the suite in parallel) a short one fails for no reason.
No test waits less than this for something another process does."""

WAIT = 120  # seconds
WAIT_MS = WAIT * 1000  # for Playwright
