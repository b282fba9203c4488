"""Power BI dataset refresh: the last step of the daily ELT run.

`python -m extract.powerbi refresh --workspace-id W --dataset-id D` signs in as a service principal
(MSAL client credentials), starts a refresh of dataset D in workspace W (or waits for one that is
already running), and polls the refresh history until the refresh ends or the timeout passes.

Modules:
    config: settings from the environment, with a repr that hides the client secret.
    durations: parse `30s`, `1h`, `1h30m` style durations.
    auth: access tokens for the Power BI REST API through MSAL.
    client: HTTP calls with retries that honour `429 Retry-After` and back off on 5xx.
    body: the refresh request body (standard, or enhanced from a JSON file and flags).
    refresh: start or join a refresh and wait for its end.
    log: JSON log lines (or human lines on a terminal) on stderr.
    cli: the argparse front end and exit codes.
"""
