"""Drives a Stepflow server with boto3: the main flows, their errors and the sync- host prefix.

test/e2e/boto3_test.go runs it with STEPFLOW_ENDPOINT, STEPFLOW_REGION, STEPFLOW_ACCOUNT,
STEPFLOW_ROLE_ARN and the test credentials in the environment. It prints one line per passed
step and exits 1 with the step and the mismatch at the first difference.
"""

import datetime
import json
import os
import sys
import time
from urllib.parse import urlsplit

import boto3
import botocore
import botocore.configprovider
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["STEPFLOW_ENDPOINT"]
REGION = os.environ["STEPFLOW_REGION"]
ACCOUNT = os.environ["STEPFLOW_ACCOUNT"]
ROLE = os.environ["STEPFLOW_ROLE_ARN"]
PREFIX = f"arn:aws:states:{REGION}:{ACCOUNT}:"

PASS_DEFINITION = json.dumps({
    "StartAt": "Greet",
    "States": {"Greet": {"Type": "Pass", "Parameters": {"greeting.$": "States.Format('hello {}', $.who)"}, "End": True}},
})
WAIT_DEFINITION = json.dumps({
    "StartAt": "Hold",
    "States": {"Hold": {"Type": "Wait", "Seconds": 600, "Next": "Done"}, "Done": {"Type": "Succeed"}},
})


class Mismatch(Exception):
    pass


def check(cond, what, got=None):
    if not cond:
        raise Mismatch(f"{what}" + ("" if got is None else f"; got {got!r}"))


def new_client(**config):
    """A client with only the test's credentials, no retries, and the given botocore Config."""
    session = boto3.session.Session(
        aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
    )
    return session.client(
        "stepfunctions", endpoint_url=ENDPOINT,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, **config),
    )


def expect_error(client, name, message, call, /, **params):
    """Calls call(**params) and checks that it raises exactly client.exceptions.<name> with message
    (None: any message)."""
    want = getattr(client.exceptions, name)
    try:
        call(**params)
    except ClientError as e:
        check(type(e) is want, f"{call.__name__} raised {type(e).__name__}, want {name}", str(e))
        check(e.response["Error"]["Code"] == name, f"{call.__name__} error code", e.response["Error"]["Code"])
        check(e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, f"{call.__name__} HTTP status",
              e.response["ResponseMetadata"]["HTTPStatusCode"])
        if message is not None:
            check(e.response["Error"]["Message"] == message, f"{call.__name__} {name} message",
                  e.response["Error"]["Message"])
        return e
    raise Mismatch(f"{call.__name__}({params}) succeeded, want {name}")


def wait_done(client, arn):
    deadline = time.monotonic() + 30
    while True:
        desc = client.describe_execution(executionArn=arn)
        if desc["status"] != "RUNNING":
            return desc
        check(time.monotonic() < deadline, f"{arn} still RUNNING after 30s")
        time.sleep(0.02)


def is_date(v):
    return isinstance(v, datetime.datetime) and v.tzinfo is not None


def all_events(client, **params):
    events, pages, token = [], 0, None
    while True:
        page = client.get_execution_history(**params, **({"nextToken": token} if token else {}))
        events += page["events"]
        pages += 1
        token = page.get("nextToken")
        if not token:
            return events, pages


def step_create(c, s):
    pass_arn = c.create_state_machine(name="boto3-pass", definition=PASS_DEFINITION, roleArn=ROLE)["stateMachineArn"]
    check(pass_arn == PREFIX + "stateMachine:boto3-pass", "CreateStateMachine ARN", pass_arn)
    s["pass"] = pass_arn
    s["wait"] = c.create_state_machine(name="boto3-wait", definition=WAIT_DEFINITION, roleArn=ROLE)["stateMachineArn"]
    s["express"] = c.create_state_machine(name="boto3-express", definition=PASS_DEFINITION, roleArn=ROLE,
                                          type="EXPRESS")["stateMachineArn"]
    desc = c.describe_state_machine(stateMachineArn=pass_arn)
    check(desc["name"] == "boto3-pass" and desc["status"] == "ACTIVE" and desc["type"] == "STANDARD",
          "DescribeStateMachine name/status/type", desc)
    check(desc["definition"] == PASS_DEFINITION and desc["roleArn"] == ROLE, "DescribeStateMachine definition/role", desc)
    check(is_date(desc["creationDate"]), "creationDate is a datetime", desc["creationDate"])


def step_start_describe(c, s):
    started = c.start_execution(stateMachineArn=s["pass"], name="run-1", input='{"who":"boto3"}')
    arn = started["executionArn"]
    check(arn == PREFIX + "execution:boto3-pass:run-1", "StartExecution ARN", arn)
    check(is_date(started["startDate"]), "StartExecution startDate", started["startDate"])
    desc = wait_done(c, arn)
    check(desc["status"] == "SUCCEEDED", "run-1 status", desc["status"])
    check(desc["output"] == '{"greeting":"hello boto3"}', "run-1 output", desc["output"])
    check(desc["input"] == '{"who":"boto3"}', "run-1 input", desc["input"])
    check(desc["name"] == "run-1" and desc["stateMachineArn"] == s["pass"], "run-1 name/machine", desc)
    check(is_date(desc["startDate"]) and is_date(desc["stopDate"]) and desc["stopDate"] >= desc["startDate"],
          "run-1 dates", (desc["startDate"], desc.get("stopDate")))
    s["run-1"] = arn


def step_history(c, s):
    arn = s["run-1"]
    events, pages = all_events(c, executionArn=arn)
    types = [e["type"] for e in events]
    check(types == ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"],
          "history event types", types)
    check([e["id"] for e in events] == [1, 2, 3, 4], "history ids", [e["id"] for e in events])
    # As AWS records it: the first state's entry points back to 0, not to ExecutionStarted.
    check([e["previousEventId"] for e in events] == [0, 0, 2, 3], "history previousEventIds",
          [e["previousEventId"] for e in events])
    check(all(is_date(e["timestamp"]) for e in events), "history timestamps are datetimes")
    started = events[0]["executionStartedEventDetails"]
    check(started["input"] == '{"who":"boto3"}' and started["roleArn"] == ROLE, "ExecutionStarted details", started)
    check(events[1]["stateEnteredEventDetails"]["name"] == "Greet", "PassStateEntered name", events[1])
    check(events[3]["executionSucceededEventDetails"]["output"] == '{"greeting":"hello boto3"}',
          "ExecutionSucceeded output", events[3])

    one_by_one, pages = all_events(c, executionArn=arn, maxResults=1)
    check(pages == 4 and one_by_one == events, "history one event per page", (pages, one_by_one))

    reverse = c.get_execution_history(executionArn=arn, reverseOrder=True)["events"]
    check([e["id"] for e in reverse] == [4, 3, 2, 1], "reverseOrder ids", [e["id"] for e in reverse])

    paginator = c.get_paginator("get_execution_history")
    paged = list(paginator.paginate(executionArn=arn, reverseOrder=True, PaginationConfig={"PageSize": 3}))
    ids = [e["id"] for page in paged for e in page["events"]]
    check(len(paged) == 2 and ids == [4, 3, 2, 1], "paginator, reverse, 3 per page", (len(paged), ids))

    only_data = c.get_execution_history(executionArn=arn, includeExecutionData=False)["events"]
    check("input" not in only_data[0]["executionStartedEventDetails"], "includeExecutionData=False hides input",
          only_data[0]["executionStartedEventDetails"])


def step_stop(c, s):
    arn = c.start_execution(stateMachineArn=s["wait"], name="run-wait", input="{}")["executionArn"]
    running = c.describe_execution(executionArn=arn)
    check(running["status"] == "RUNNING" and "stopDate" not in running, "waiting execution RUNNING", running)
    listed = c.list_executions(stateMachineArn=s["wait"], statusFilter="RUNNING")["executions"]
    check([e["executionArn"] for e in listed] == [arn], "ListExecutions RUNNING", listed)

    stopped = c.stop_execution(executionArn=arn, error="Operator", cause="no longer needed")
    check(is_date(stopped["stopDate"]), "StopExecution stopDate", stopped)
    desc = wait_done(c, arn)
    check(desc["status"] == "ABORTED" and desc["error"] == "Operator" and desc["cause"] == "no longer needed",
          "stopped execution", desc)
    events, _ = all_events(c, executionArn=arn)
    types = [e["type"] for e in events]
    check(types == ["ExecutionStarted", "WaitStateEntered", "ExecutionAborted"], "stopped history types", types)
    details = events[-1]["executionAbortedEventDetails"]
    check(details == {"error": "Operator", "cause": "no longer needed"}, "ExecutionAborted details", details)
    aborted = c.list_executions(stateMachineArn=s["wait"], statusFilter="ABORTED")["executions"]
    check([e["executionArn"] for e in aborted] == [arn], "ListExecutions ABORTED", aborted)
    running = c.list_executions(stateMachineArn=s["wait"], statusFilter="RUNNING")["executions"]
    check(running == [], "ListExecutions RUNNING after the stop", running)


def step_list(c, s):
    for name in ("run-2", "run-3"):
        arn = c.start_execution(stateMachineArn=s["pass"], name=name, input='{"who":"' + name + '"}')["executionArn"]
        check(wait_done(c, arn)["status"] == "SUCCEEDED", f"{name} status")
    names, pages, token = [], 0, None
    while True:
        page = c.list_executions(stateMachineArn=s["pass"], maxResults=2, **({"nextToken": token} if token else {}))
        names += [e["name"] for e in page["executions"]]
        pages += 1
        token = page.get("nextToken")
        if not token:
            break
    check(pages == 2 and sorted(names) == ["run-1", "run-2", "run-3"], "ListExecutions, 2 per page", (pages, names))
    succeeded = c.list_executions(stateMachineArn=s["pass"], statusFilter="SUCCEEDED")["executions"]
    check(len(succeeded) == 3 and all(is_date(e["stopDate"]) for e in succeeded), "ListExecutions SUCCEEDED", succeeded)

    paginator = c.get_paginator("list_state_machines")
    machines = [m["name"] for page in paginator.paginate(PaginationConfig={"PageSize": 1}) for m in page["stateMachines"]]
    check(sorted(machines) == ["boto3-express", "boto3-pass", "boto3-wait"], "ListStateMachines, 1 per page", machines)


def step_errors(c, s):
    missing_machine = PREFIX + "stateMachine:missing"
    missing_exec = PREFIX + "execution:boto3-pass:missing"
    no_machine = f"State Machine Does Not Exist: '{missing_machine}'"
    no_exec = f"Execution Does Not Exist: '{missing_exec}'"
    expect_error(c, "StateMachineDoesNotExist", no_machine, c.describe_state_machine, stateMachineArn=missing_machine)
    expect_error(c, "StateMachineDoesNotExist", no_machine, c.start_execution, stateMachineArn=missing_machine)
    expect_error(c, "ExecutionDoesNotExist", no_exec, c.describe_execution, executionArn=missing_exec)
    expect_error(c, "ExecutionDoesNotExist", no_exec, c.get_execution_history, executionArn=missing_exec)
    expect_error(c, "ExecutionDoesNotExist", no_exec, c.stop_execution, executionArn=missing_exec)
    expect_error(c, "InvalidDefinition",
                 "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: B at "
                 "/States/A/Next, MISSING_END_STATE: Workflow has no terminal state at /'",
                 c.create_state_machine, name="bad-definition", roleArn=ROLE,
                 definition='{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}')
    expect_error(c, "InvalidName", "Invalid Name: 'bad name'", c.create_state_machine,
                 name="bad name", roleArn=ROLE, definition=PASS_DEFINITION)
    expect_error(c, "StateMachineAlreadyExists", f"State Machine Already Exists: '{s['pass']}'",
                 c.create_state_machine, name="boto3-pass", roleArn=ROLE, definition=WAIT_DEFINITION)
    expect_error(c, "ExecutionAlreadyExists", f"Execution Already Exists: '{s['run-1']}'",
                 c.start_execution, stateMachineArn=s["pass"], name="run-1", input='{"who":"someone else"}')
    expect_error(c, "InvalidExecutionInput", None, c.start_execution, stateMachineArn=s["pass"], input="{not json")


class Unsent(Exception):
    """Raised by a before-send hook to keep a request from leaving the client."""


def sent_host(client, method, **params):
    """The host:port the client would send client.<method>(**params) to; the request is not sent."""
    hosts = []

    def record(request, **_):
        hosts.append(urlsplit(request.url).netloc)
        raise Unsent()

    operation = client.meta.method_to_api_mapping[method]
    event = f"before-send.{client.meta.service_model.service_id.hyphenize()}.{operation}"
    client.meta.events.register(event, record)
    try:
        getattr(client, method)(**params)
    except Unsent:
        pass
    finally:
        client.meta.events.unregister(event, record)
    check(len(hosts) == 1, f"{operation} was not about to be sent", hosts)
    return hosts[0]


def step_sync_prefix(c, s):
    host = urlsplit(ENDPOINT).netloc
    # By default botocore sends StartSyncExecution and TestState to sync-<host>, even for an IP.
    got = sent_host(c, "start_sync_execution", stateMachineArn=s["express"])
    check(got == "sync-" + host, "default StartSyncExecution host", got)
    # TestState came in botocore 1.32; Debian's boto3 (botocore 1.29) has no test_state.
    has_test_state = "test_state" in c.meta.method_to_api_mapping
    if has_test_state:
        got = sent_host(c, "test_state", definition='{"Type":"Pass","End":true}', roleArn=ROLE)
        check(got == "sync-" + host, "default TestState host", got)
    else:
        print(f"botocore {botocore.__version__} has no TestState: not checked")

    # inject_host_prefix=False keeps the endpoint's host.
    plain = new_client(inject_host_prefix=False)
    got = sent_host(plain, "start_sync_execution", stateMachineArn=s["express"])
    check(got == host, "StartSyncExecution host with inject_host_prefix=False", got)
    out = plain.start_sync_execution(stateMachineArn=s["express"], name="sync-1", input='{"who":"sync"}')
    check(out["status"] == "SUCCEEDED" and out["output"] == '{"greeting":"hello sync"}' and out["input"] == '{"who":"sync"}',
          "StartSyncExecution status/output/input", out)
    check(out["executionArn"].startswith(PREFIX + "express:boto3-express:sync-1:"), "StartSyncExecution ARN", out)
    check(is_date(out["startDate"]) and is_date(out["stopDate"]), "StartSyncExecution dates", out)
    expect_error(plain, "StateMachineTypeNotSupported", "This operation is not supported by this type of state machine",
                 plain.start_sync_execution, stateMachineArn=s["pass"])
    if has_test_state:
        tested = plain.test_state(definition='{"Type":"Pass","Result":{"ok":true},"End":true}', roleArn=ROLE, input="{}")
        check(tested["status"] == "SUCCEEDED" and tested["output"] == '{"ok":true}', "TestState", tested)

    # So does AWS_DISABLE_HOST_PREFIX_INJECTION=true (or disable_host_prefix_injection in the
    # config file), which the AWS CLI reads too; older botocore (Debian's 1.29) knows neither.
    if "disable_host_prefix_injection" not in botocore.configprovider.BOTOCORE_DEFAUT_SESSION_VARIABLES:
        print(f"botocore {botocore.__version__} does not read AWS_DISABLE_HOST_PREFIX_INJECTION: not checked")
        return
    os.environ["AWS_DISABLE_HOST_PREFIX_INJECTION"] = "true"
    try:
        from_env = new_client()
    finally:
        del os.environ["AWS_DISABLE_HOST_PREFIX_INJECTION"]
    out = from_env.start_sync_execution(stateMachineArn=s["express"], input='{"who":"env"}')
    check(out["status"] == "SUCCEEDED" and out["output"] == '{"greeting":"hello env"}',
          "StartSyncExecution with AWS_DISABLE_HOST_PREFIX_INJECTION=true", out)


STEPS = [step_create, step_start_describe, step_history, step_stop, step_list, step_errors, step_sync_prefix]


def main():
    client = new_client()
    state = {}
    for step in STEPS:
        name = step.__name__.removeprefix("step_")
        try:
            step(client, state)
        except Mismatch as e:
            print(f"FAIL {name}: {e}", file=sys.stderr)
            return 1
        except Exception as e:  # an unexpected error from boto3 is a failure of the step too
            print(f"FAIL {name}: {type(e).__name__}: {e}", file=sys.stderr)
            return 1
        print(f"ok {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
