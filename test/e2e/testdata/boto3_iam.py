"""Drives a `stepflow server --auth iam` with boto3 as two users with different policies.

test/e2e/iam_test.go runs it with STEPFLOW_ENDPOINT, STEPFLOW_ORDERS and STEPFLOW_PAYROLL (state
machine ARNs), and the keys of the two users: STARTER_KEY/STARTER_SECRET (may only start
executions of Orders and follow them) and READER_KEY/READER_SECRET (read-only). It prints one
line per passed step and exits 1 at the first mismatch.
"""

import os
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["STEPFLOW_ENDPOINT"]
ORDERS = os.environ["STEPFLOW_ORDERS"]
PAYROLL = os.environ["STEPFLOW_PAYROLL"]


class Mismatch(Exception):
    pass


def client(key, secret):
    session = boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret, region_name="us-east-1")
    return session.client("stepfunctions", endpoint_url=ENDPOINT, config=Config(retries={"max_attempts": 1, "mode": "standard"}))


def denied(call, action, resource, user, **kwargs):
    try:
        call(**kwargs)
    except ClientError as e:
        err = e.response["Error"]
        want = (f"User: arn:aws:iam::123456789012:user/{user} is not authorized to perform: {action} "
                f"on resource: {resource} because no identity-based policy allows the {action} action")
        if err["Code"] != "AccessDeniedException" or err["Message"] != want:
            raise Mismatch(f"{action}: got {err['Code']}: {err['Message']}, want AccessDeniedException: {want}")
        if e.response["ResponseMetadata"]["HTTPStatusCode"] != 400:
            raise Mismatch(f"{action}: HTTP {e.response['ResponseMetadata']['HTTPStatusCode']}, want 400")
        return
    raise Mismatch(f"{action} on {resource} was allowed")


def main():
    starter = client(os.environ["STARTER_KEY"], os.environ["STARTER_SECRET"])
    reader = client(os.environ["READER_KEY"], os.environ["READER_SECRET"])

    started = starter.start_execution(stateMachineArn=ORDERS, name="boto3-run", input="{}")
    run = started["executionArn"]
    desc = starter.describe_execution(executionArn=run)
    if desc["stateMachineArn"] != ORDERS:
        raise Mismatch(f"describe_execution: {desc}")
    print("ok starter starts and follows Orders")

    denied(starter.start_execution, "states:StartExecution", PAYROLL, "starter", stateMachineArn=PAYROLL)
    denied(starter.list_state_machines, "states:ListStateMachines", "*", "starter")
    denied(starter.stop_execution, "states:StopExecution", run, "starter", executionArn=run)
    print("ok starter is refused the rest")

    names = [m["name"] for m in reader.list_state_machines()["stateMachines"]]
    if sorted(names) != ["Orders", "Payroll"]:
        raise Mismatch(f"list_state_machines: {names}")
    reader.describe_state_machine(stateMachineArn=PAYROLL)
    history = reader.get_execution_history(executionArn=run)["events"]
    if not history or history[0]["type"] != "ExecutionStarted":
        raise Mismatch(f"get_execution_history: {history[:1]}")
    print("ok reader reads")

    denied(reader.start_execution, "states:StartExecution", ORDERS, "reader", stateMachineArn=ORDERS)
    denied(reader.stop_execution, "states:StopExecution", run, "reader", executionArn=run)
    denied(reader.delete_state_machine, "states:DeleteStateMachine", PAYROLL, "reader", stateMachineArn=PAYROLL)
    print("ok reader is refused every change")

    stranger = client("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    try:
        stranger.list_state_machines()
        raise Mismatch("an unknown key was accepted")
    except ClientError as e:
        if e.response["Error"]["Code"] != "UnrecognizedClientException":
            raise Mismatch(f"unknown key: {e.response['Error']}")
    print("ok unknown key")


if __name__ == "__main__":
    try:
        main()
    except Mismatch as e:
        print(f"MISMATCH: {e}", file=sys.stderr)
        sys.exit(1)
