"""Drives a Stepflow server with boto3's events and scheduler clients: buses, rules, targets,
PutEvents and the execution an event starts, schedules and groups, and the errors as boto3's
exception classes.

test/e2e/boto3_test.go runs it with STEPFLOW_ENDPOINT, STEPFLOW_REGION, STEPFLOW_ACCOUNT,
STEPFLOW_ROLE_ARN and the test credentials in the environment. It prints one line per passed
step and exits 1 with the step and the mismatch at the first difference.
"""

import json
import os
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["STEPFLOW_ENDPOINT"]
REGION = os.environ["STEPFLOW_REGION"]
ACCOUNT = os.environ["STEPFLOW_ACCOUNT"]
ROLE = os.environ["STEPFLOW_ROLE_ARN"]
EVENTS = f"arn:aws:events:{REGION}:{ACCOUNT}:"
SCHEDULER = f"arn:aws:scheduler:{REGION}:{ACCOUNT}:"
PASS_DEFINITION = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})


class Mismatch(Exception):
    pass


def check(cond, what, got=None):
    if not cond:
        raise Mismatch(f"{what}" + ("" if got is None else f"; got {got!r}"))


def client(service):
    session = boto3.session.Session(
        aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
    )
    return session.client(service, endpoint_url=ENDPOINT, config=Config(retries={"max_attempts": 1, "mode": "standard"}))


def expect_error(c, name, message, status, call, /, **params):
    """Calls call(**params) and checks that it raises exactly c.exceptions.<name> with message.
    An error AWS sends but the service model lacks (EventBridge's ValidationException) is a
    plain ClientError with that code."""
    want = getattr(c.exceptions, name, ClientError)
    try:
        call(**params)
    except ClientError as e:
        check(type(e) is want, f"{call.__name__} raised {type(e).__name__}, want {name}", str(e))
        check(e.response["Error"]["Code"] == name, f"{call.__name__} error code", e.response["Error"]["Code"])
        check(e.response["ResponseMetadata"]["HTTPStatusCode"] == status, f"{call.__name__} HTTP status",
              e.response["ResponseMetadata"]["HTTPStatusCode"])
        check(e.response["Error"]["Message"] == message, f"{call.__name__} {name} message", e.response["Error"]["Message"])
        return
    raise Mismatch(f"{call.__name__}({params}) succeeded, want {name}")


def executions(sfn, machine, want, prefix=""):
    """Waits until the machine has want executions whose names start with prefix."""
    deadline = time.monotonic() + 30
    while True:
        found = [e for e in sfn.list_executions(stateMachineArn=machine)["executions"] if e["name"].startswith(prefix)]
        if len(found) >= want:
            check(len(found) == want, f"{len(found)} executions of {machine}, want {want}", [e["name"] for e in found])
            return found
        check(time.monotonic() < deadline, f"{len(found)} executions of {machine} after 30s, want {want}")
        time.sleep(0.05)


def step_buses(ev, sfn, s):
    arn = ev.create_event_bus(Name="orders")["EventBusArn"]
    check(arn == EVENTS + "event-bus/orders", "CreateEventBus ARN", arn)
    check(ev.describe_event_bus(Name="orders")["Arn"] == arn, "DescribeEventBus")
    names = [b["Name"] for b in ev.list_event_buses()["EventBuses"]]
    check(names == ["default", "orders"], "ListEventBuses", names)
    expect_error(ev, "ResourceAlreadyExistsException", "Event bus orders already exists.", 400, ev.create_event_bus, Name="orders")
    expect_error(ev, "ResourceNotFoundException", "Event bus nope does not exist.", 400, ev.describe_event_bus, Name="nope")


def step_rules(ev, sfn, s):
    s["machine"] = sfn.create_state_machine(name="boto3-restock", definition=PASS_DEFINITION, roleArn=ROLE)["stateMachineArn"]
    pattern = {"source": ["shop.inventory"], "detail-type": ["StockChanged"], "detail": {"quantity": [{"numeric": [">", 0]}]}}
    arn = ev.put_rule(Name="restocked", EventPattern=json.dumps(pattern), Description="restocks")["RuleArn"]
    check(arn == EVENTS + "rule/restocked", "PutRule ARN", arn)
    desc = ev.describe_rule(Name="restocked")
    check(desc["State"] == "ENABLED" and json.loads(desc["EventPattern"]) == pattern and desc["EventBusName"] == "default",
          "DescribeRule", desc)
    check([r["Name"] for r in ev.list_rules(NamePrefix="rest")["Rules"]] == ["restocked"], "ListRules")
    out = ev.put_targets(Rule="restocked", Targets=[{
        "Id": "notify", "Arn": s["machine"], "RoleArn": ROLE,
        "InputTransformer": {"InputPathsMap": {"sku": "$.detail.sku", "qty": "$.detail.quantity"},
                             "InputTemplate": '{"sku": <sku>, "quantity": <qty>, "message": "<sku> is back"}'},
        "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 600},
    }])
    check(out["FailedEntryCount"] == 0, "PutTargets", out)
    targets = ev.list_targets_by_rule(Rule="restocked")["Targets"]
    check(len(targets) == 1 and targets[0]["RetryPolicy"]["MaximumRetryAttempts"] == 3, "ListTargetsByRule", targets)
    expect_error(ev, "ResourceNotFoundException", "Rule nope does not exist on EventBus default.", 400, ev.describe_rule, Name="nope")
    # AWS's reason for this pattern, as the conformance corpus recorded it (string_nolist_EXC);
    # AWS then names where its JSON parser stopped, which Stepflow leaves out.
    expect_error(ev, "InvalidEventPatternException",
                 'Event pattern is not valid. Reason: "string" must be an object or an array', 400,
                 ev.put_rule, Name="bad", EventPattern='{"string": "my-value"}')
    event = {"id": "1", "account": ACCOUNT, "source": "shop.inventory", "time": "2026-01-01T00:00:00Z", "region": REGION,
             "detail-type": "StockChanged", "resources": [], "detail": {"quantity": 3}}
    check(ev.test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(event))["Result"] is True, "TestEventPattern match")
    event["detail"]["quantity"] = 0
    check(ev.test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(event))["Result"] is False, "TestEventPattern no match")


def step_put_events(ev, sfn, s):
    out = ev.put_events(Entries=[
        {"Source": "shop.inventory", "DetailType": "StockChanged", "Detail": json.dumps({"sku": "A-1", "quantity": 12})},
        {"Source": "shop.inventory", "DetailType": "StockChanged", "Detail": "{not json"},
        {"Source": "shop.inventory", "DetailType": "StockChanged", "Detail": json.dumps({"sku": "B-2", "quantity": 0})},
    ])
    check(out["FailedEntryCount"] == 1, "PutEvents FailedEntryCount", out)
    check(out["Entries"][1].get("ErrorCode") == "MalformedDetail" and "EventId" not in out["Entries"][1], "PutEvents entry 2", out["Entries"][1])
    check(all("EventId" in out["Entries"][i] for i in (0, 2)), "PutEvents event ids", out["Entries"])
    found = executions(sfn, s["machine"], 1)
    check(found[0]["name"].startswith(out["Entries"][0]["EventId"] + "_"), "execution named after the event", found[0]["name"])
    desc = sfn.describe_execution(executionArn=found[0]["executionArn"])
    check(json.loads(desc["input"]) == {"sku": "A-1", "quantity": 12, "message": "A-1 is back"}, "execution input", desc["input"])
    out = ev.put_events(Entries=[{"Source": "x", "DetailType": "y", "Detail": "{}", "EventBusName": "nope"}])
    check(out["FailedEntryCount"] == 1 and out["Entries"][0]["ErrorCode"] == "ResourceNotFoundException", "PutEvents to a missing bus", out)


def step_rule_lifecycle(ev, sfn, s):
    ev.disable_rule(Name="restocked")
    check(ev.describe_rule(Name="restocked")["State"] == "DISABLED", "DisableRule")
    ev.enable_rule(Name="restocked")
    ev.tag_resource(ResourceARN=EVENTS + "rule/restocked", Tags=[{"Key": "team", "Value": "shop"}])
    tags = ev.list_tags_for_resource(ResourceARN=EVENTS + "rule/restocked")["Tags"]
    check(tags == [{"Key": "team", "Value": "shop"}], "ListTagsForResource", tags)
    expect_error(ev, "ValidationException", "Rule can't be deleted since it has targets.", 400, ev.delete_rule, Name="restocked")
    check(ev.remove_targets(Rule="restocked", Ids=["notify"])["FailedEntryCount"] == 0, "RemoveTargets")
    ev.delete_rule(Name="restocked")
    ev.delete_event_bus(Name="orders")
    check([b["Name"] for b in ev.list_event_buses()["EventBuses"]] == ["default"], "buses after delete")


def step_schedules(sc, sfn, s):
    machine = sfn.create_state_machine(name="boto3-report", definition=PASS_DEFINITION, roleArn=ROLE)["stateMachineArn"]
    group = sc.create_schedule_group(Name="reports", Tags=[{"Key": "team", "Value": "ops"}])["ScheduleGroupArn"]
    check(group == SCHEDULER + "schedule-group/reports", "CreateScheduleGroup ARN", group)
    check([g["Name"] for g in sc.list_schedule_groups()["ScheduleGroups"]] == ["default", "reports"], "ListScheduleGroups")
    check(sc.list_tags_for_resource(ResourceArn=group)["Tags"] == [{"Key": "team", "Value": "ops"}], "group tags")
    target = {"Arn": machine, "RoleArn": ROLE, "Input": '{"at": "<aws.scheduler.scheduled-time>"}',
              "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 600}}
    # A rate without a StartDate fires at once, as AWS documents.
    arn = sc.create_schedule(Name="hourly", GroupName="reports", ScheduleExpression="rate(1 hour)",
                             FlexibleTimeWindow={"Mode": "OFF"}, Target=target)["ScheduleArn"]
    check(arn == SCHEDULER + "schedule/reports/hourly", "CreateSchedule ARN", arn)
    got = sc.get_schedule(Name="hourly", GroupName="reports")
    check(got["ScheduleExpression"] == "rate(1 hour)" and got["State"] == "ENABLED" and got["Target"]["Arn"] == machine
          and got["FlexibleTimeWindow"] == {"Mode": "OFF"} and got["GroupName"] == "reports", "GetSchedule", got)
    found = executions(sfn, machine, 1, "hourly_")
    desc = sfn.describe_execution(executionArn=found[0]["executionArn"])
    check(json.loads(desc["input"])["at"].endswith("Z"), "execution input", desc["input"])
    sc.create_schedule(Name="nightly", ScheduleExpression="cron(30 2 ? * MON-FRI *)", ScheduleExpressionTimezone="America/New_York",
                       FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 10}, Target=target)
    names = [x["Name"] for x in sc.list_schedules()["Schedules"]]
    check(sorted(names) == ["hourly", "nightly"], "ListSchedules", names)
    sc.update_schedule(Name="nightly", ScheduleExpression="cron(30 2 ? * MON-FRI *)", ScheduleExpressionTimezone="America/New_York",
                       FlexibleTimeWindow={"Mode": "OFF"}, Target=target, State="DISABLED")
    check(sc.get_schedule(Name="nightly")["State"] == "DISABLED", "UpdateSchedule")
    expect_error(sc, "ResourceNotFoundException", "Schedule nope does not exist.", 404, sc.get_schedule, Name="nope")
    expect_error(sc, "ConflictException", "Schedule nightly already exists.", 409, sc.create_schedule, Name="nightly",
                 ScheduleExpression="rate(5 minutes)", FlexibleTimeWindow={"Mode": "OFF"}, Target=target)
    expect_error(sc, "ValidationException", "Invalid Schedule Expression cron(0 12 * * *).", 400, sc.create_schedule, Name="bad",
                 ScheduleExpression="cron(0 12 * * *)", FlexibleTimeWindow={"Mode": "OFF"}, Target=target)
    sc.delete_schedule(Name="nightly")
    sc.delete_schedule_group(Name="reports")
    expect_error(sc, "ResourceNotFoundException", "Schedule hourly does not exist.", 404, sc.get_schedule, Name="hourly", GroupName="reports")


def main():
    ev, sc, sfn = client("events"), client("scheduler"), client("stepfunctions")
    state = {}
    for step in (step_buses, step_rules, step_put_events, step_rule_lifecycle, step_schedules):
        name = step.__name__.removeprefix("step_")
        try:
            step(sc if step is step_schedules else ev, sfn, state)
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
