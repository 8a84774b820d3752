package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func TestStateMachineLifecycle(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	ctx := context.Background()

	created, err := c.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{
		Name:       aws.String("orders"),
		Definition: aws.String(passDefinition),
		RoleArn:    aws.String(roleARN),
		Tags:       []types.Tag{{Key: aws.String("team"), Value: aws.String("core")}},
	})
	mustNoErr(t, "CreateStateMachine", err)
	wantARN := "arn:aws:states:us-east-1:123456789012:stateMachine:orders"
	if got := aws.ToString(created.StateMachineArn); got != wantARN {
		t.Fatalf("arn = %s, want %s", got, wantARN)
	}
	if created.CreationDate == nil || created.CreationDate.IsZero() {
		t.Fatalf("creationDate missing")
	}
	if created.StateMachineVersionArn != nil {
		t.Fatalf("version ARN %s without publish", aws.ToString(created.StateMachineVersionArn))
	}

	desc, err := c.DescribeStateMachine(ctx, &awssfn.DescribeStateMachineInput{StateMachineArn: created.StateMachineArn})
	mustNoErr(t, "DescribeStateMachine", err)
	if aws.ToString(desc.Name) != "orders" || aws.ToString(desc.Definition) != passDefinition ||
		aws.ToString(desc.RoleArn) != roleARN || desc.Type != types.StateMachineTypeStandard ||
		desc.Status != types.StateMachineStatusActive || !desc.CreationDate.Equal(*created.CreationDate) {
		t.Fatalf("DescribeStateMachine = %+v", desc)
	}
	if desc.LoggingConfiguration == nil || desc.LoggingConfiguration.Level != types.LogLevelOff {
		t.Fatalf("loggingConfiguration = %+v, want level OFF", desc.LoggingConfiguration)
	}
	if desc.TracingConfiguration == nil || desc.TracingConfiguration.Enabled {
		t.Fatalf("tracingConfiguration = %+v, want disabled", desc.TracingConfiguration)
	}
	if aws.ToString(desc.RevisionId) == "" {
		t.Fatalf("revisionId missing")
	}

	// Same name and definition: idempotent, answers with the first creation.
	again, err := c.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{
		Name: aws.String("orders"), Definition: aws.String(passDefinition), RoleArn: aws.String(roleARN + "2"),
	})
	mustNoErr(t, "CreateStateMachine again", err)
	if !again.CreationDate.Equal(*created.CreationDate) || aws.ToString(again.StateMachineArn) != wantARN {
		t.Fatalf("idempotent create = %+v", again)
	}

	updated, err := c.UpdateStateMachine(ctx, &awssfn.UpdateStateMachineInput{
		StateMachineArn: created.StateMachineArn, Definition: aws.String(otherDefinition),
	})
	mustNoErr(t, "UpdateStateMachine", err)
	if aws.ToString(updated.RevisionId) == aws.ToString(desc.RevisionId) || updated.UpdateDate == nil {
		t.Fatalf("UpdateStateMachine = %+v: want a new revision", updated)
	}
	desc2, err := c.DescribeStateMachine(ctx, &awssfn.DescribeStateMachineInput{StateMachineArn: created.StateMachineArn})
	mustNoErr(t, "DescribeStateMachine after update", err)
	if aws.ToString(desc2.Definition) != otherDefinition || aws.ToString(desc2.RoleArn) != roleARN {
		t.Fatalf("after update: definition %s role %s", aws.ToString(desc2.Definition), aws.ToString(desc2.RoleArn))
	}

	_, err = c.DeleteStateMachine(ctx, &awssfn.DeleteStateMachineInput{StateMachineArn: created.StateMachineArn})
	mustNoErr(t, "DeleteStateMachine", err)
	_, err = c.DescribeStateMachine(ctx, &awssfn.DescribeStateMachineInput{StateMachineArn: created.StateMachineArn})
	wantAPIError[*types.StateMachineDoesNotExist](t, err, "State Machine Does Not Exist: '"+wantARN+"'")
	// Deleting again succeeds, as on AWS.
	_, err = c.DeleteStateMachine(ctx, &awssfn.DeleteStateMachineInput{StateMachineArn: created.StateMachineArn})
	mustNoErr(t, "DeleteStateMachine again", err)
}

func TestCreateStateMachineErrors(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	createMachine(t, c, "taken")
	long := strings.Repeat("n", 81)
	tests := []struct {
		name  string
		input awssfn.CreateStateMachineInput
		check func(t *testing.T, err error)
	}{
		{
			name:  "missing transition target",
			input: awssfn.CreateStateMachineInput{Name: aws.String("bad1"), Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}`)},
			check: func(t *testing.T, err error) {
				wantAPIError[*types.InvalidDefinition](t, err, "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: B at /States/A/Next, MISSING_END_STATE: Workflow has no terminal state at /'")
			},
		},
		{
			name:  "missing States",
			input: awssfn.CreateStateMachineInput{Name: aws.String("bad2"), Definition: aws.String(`{"StartAt":"A"}`)},
			check: func(t *testing.T, err error) {
				wantAPIError[*types.InvalidDefinition](t, err, "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /'")
			},
		},
		{
			name:  "express with callback",
			input: awssfn.CreateStateMachineInput{Name: aws.String("bad3"), Type: types.StateMachineTypeExpress, Definition: aws.String(`{"StartAt":"Publish","States":{"Publish":{"Type":"Task","Resource":"arn:aws:states:::sns:publish.waitForTaskToken","Parameters":{"Message.$":"$$.Task.Token","TopicArn":"arn:aws:sns:us-east-1:123456789012:t"},"End":true}}}`)},
			check: func(t *testing.T, err error) {
				wantAPIError[*types.InvalidDefinition](t, err, "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not support '.waitForTaskToken' service integration  at /States/Publish/Resource'")
			},
		},
		{
			name:  "name with a space",
			input: awssfn.CreateStateMachineInput{Name: aws.String("bad name"), Definition: aws.String(passDefinition)},
			check: func(t *testing.T, err error) {
				wantAPIError[*types.InvalidName](t, err, "Invalid Name: 'bad name'")
			},
		},
		{
			name:  "name with a colon",
			input: awssfn.CreateStateMachineInput{Name: aws.String("a:b"), Definition: aws.String(passDefinition)},
			check: func(t *testing.T, err error) {
				wantAPIError[*types.InvalidName](t, err, "Invalid Name: 'a:b'")
			},
		},
		{
			name:  "name too long",
			input: awssfn.CreateStateMachineInput{Name: aws.String(long), Definition: aws.String(passDefinition)},
			check: func(t *testing.T, err error) {
				wantAPIError[*types.ValidationException](t, err, "1 validation error detected: Value '"+long+"' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80")
			},
		},
		{
			name:  "unknown type",
			input: awssfn.CreateStateMachineInput{Name: aws.String("bad4"), Type: "BATCH", Definition: aws.String(passDefinition)},
			check: func(t *testing.T, err error) {
				wantAPIError[*types.ValidationException](t, err, "1 validation error detected: Value 'BATCH' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]")
			},
		},
		{
			name:  "two violations",
			input: awssfn.CreateStateMachineInput{Name: aws.String(long), Type: "BATCH", Definition: aws.String(passDefinition)},
			check: func(t *testing.T, err error) {
				wantAPIError[*types.ValidationException](t, err, "2 validation errors detected: Value '"+long+"' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80; Value 'BATCH' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]")
			},
		},
		{
			name:  "same name, other definition",
			input: awssfn.CreateStateMachineInput{Name: aws.String("taken"), Definition: aws.String(otherDefinition)},
			check: func(t *testing.T, err error) {
				wantAPIError[*types.StateMachineAlreadyExists](t, err, "State Machine Already Exists: 'arn:aws:states:us-east-1:123456789012:stateMachine:taken'")
			},
		},
		{
			name:  "role is not an ARN",
			input: awssfn.CreateStateMachineInput{Name: aws.String("bad5"), Definition: aws.String(passDefinition), RoleArn: aws.String("role")},
			check: func(t *testing.T, err error) {
				wantAPIError[*types.InvalidArn](t, err, "Invalid Arn: 'Invalid ARN prefix: role'")
			},
		},
		{
			name:  "logging level without destination",
			input: awssfn.CreateStateMachineInput{Name: aws.String("bad6"), Definition: aws.String(passDefinition), LoggingConfiguration: &types.LoggingConfiguration{Level: types.LogLevelAll}},
			check: func(t *testing.T, err error) {
				wantAPIError[*types.InvalidLoggingConfiguration](t, err, "Invalid Logging Configuration: Must specify exactly one Log Destination.")
			},
		},
		{
			name:  "version description without publish",
			input: awssfn.CreateStateMachineInput{Name: aws.String("bad7"), Definition: aws.String(passDefinition), VersionDescription: aws.String("v1")},
			check: func(t *testing.T, err error) {
				wantAPIError[*types.ValidationException](t, err, "Version description can only be set when publish is true")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := tt.input
			if in.RoleArn == nil {
				in.RoleArn = aws.String(roleARN)
			}
			_, err := c.CreateStateMachine(context.Background(), &in)
			tt.check(t, err)
			// A rejected request stores nothing.
			if in.Name != nil && aws.ToString(in.Name) != "taken" {
				_, err := c.DescribeStateMachine(context.Background(), &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String(scope.StateMachineARN(aws.ToString(in.Name)))})
				if err == nil {
					t.Fatalf("rejected state machine %s was stored", aws.ToString(in.Name))
				}
			}
		})
	}
}

func TestListStateMachinesPages(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	ctx := context.Background()
	for _, name := range []string{"m3", "m1", "m5", "m2", "m4"} {
		createMachine(t, c, name)
	}
	var names []string
	pages := awssfn.NewListStateMachinesPaginator(c, &awssfn.ListStateMachinesInput{MaxResults: 2})
	nPages := 0
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		mustNoErr(t, "ListStateMachines", err)
		nPages++
		if len(page.StateMachines) > 2 {
			t.Fatalf("page of %d, want at most 2", len(page.StateMachines))
		}
		for _, sm := range page.StateMachines {
			names = append(names, aws.ToString(sm.Name))
			if sm.Type != types.StateMachineTypeStandard || sm.CreationDate == nil {
				t.Fatalf("list item %+v", sm)
			}
		}
	}
	if got := strings.Join(names, ","); got != "m1,m2,m3,m4,m5" || nPages != 3 {
		t.Fatalf("listed %s in %d pages, want m1..m5 in 3", got, nPages)
	}
	_, err := c.ListStateMachines(ctx, &awssfn.ListStateMachinesInput{MaxResults: 1001})
	wantErrorCode(t, err, "ValidationException", "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000")
	_, err = c.ListStateMachines(ctx, &awssfn.ListStateMachinesInput{NextToken: aws.String("not-a-token")})
	wantAPIError[*types.InvalidToken](t, err, "")
}

func TestValidateStateMachineDefinition(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	tests := []struct {
		name        string
		definition  string
		wantResult  types.ValidateStateMachineDefinitionResultCode
		wantCodes   []string
		wantLocates []string
	}{
		{name: "valid", definition: passDefinition, wantResult: types.ValidateStateMachineDefinitionResultCodeOk},
		{
			name:        "missing target",
			definition:  `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}`,
			wantResult:  types.ValidateStateMachineDefinitionResultCodeFail,
			wantCodes:   []string{"MISSING_TRANSITION_TARGET", "MISSING_END_STATE"},
			wantLocates: []string{"/States/A/Next", ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := c.ValidateStateMachineDefinition(context.Background(), &awssfn.ValidateStateMachineDefinitionInput{Definition: aws.String(tt.definition)})
			mustNoErr(t, "ValidateStateMachineDefinition", err)
			if out.Result != tt.wantResult || len(out.Diagnostics) != len(tt.wantCodes) || out.Truncated == nil || *out.Truncated {
				t.Fatalf("result %s, %d diagnostics, truncated %v", out.Result, len(out.Diagnostics), out.Truncated)
			}
			for i, d := range out.Diagnostics {
				if aws.ToString(d.Code) != tt.wantCodes[i] || aws.ToString(d.Location) != tt.wantLocates[i] || d.Severity != types.ValidateStateMachineDefinitionSeverityError {
					t.Fatalf("diagnostic %d = %s %s %s", i, d.Severity, aws.ToString(d.Code), aws.ToString(d.Location))
				}
			}
		})
	}
	out, err := c.ValidateStateMachineDefinition(context.Background(), &awssfn.ValidateStateMachineDefinitionInput{
		Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}`), MaxResults: 1,
	})
	mustNoErr(t, "ValidateStateMachineDefinition maxResults 1", err)
	if len(out.Diagnostics) != 1 || !aws.ToBool(out.Truncated) {
		t.Fatalf("maxResults 1: %d diagnostics, truncated %v", len(out.Diagnostics), aws.ToBool(out.Truncated))
	}
	_, err = c.ValidateStateMachineDefinition(context.Background(), &awssfn.ValidateStateMachineDefinitionInput{Definition: aws.String(passDefinition), MaxResults: 101})
	wantAPIError[*types.ValidationException](t, err, "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100")
}

func TestUpdateStateMachineErrors(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	arn := createMachine(t, c, "upd")
	missing := scope.StateMachineARN("missing")
	tests := []struct {
		name  string
		input awssfn.UpdateStateMachineInput
		check func(t *testing.T, err error)
	}{
		{"nothing to update", awssfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn)}, func(t *testing.T, err error) {
			wantAPIError[*types.MissingRequiredParameter](t, err, "Either the definition, the role ARN, the LoggingConfiguration, the EncryptionConfiguration or the TracingConfiguration must be specified")
		}},
		{"invalid definition", awssfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(`{"StartAt":"A"}`)}, func(t *testing.T, err error) {
			wantAPIError[*types.InvalidDefinition](t, err, "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /'")
		}},
		{"missing machine", awssfn.UpdateStateMachineInput{StateMachineArn: aws.String(missing), Definition: aws.String(passDefinition)}, func(t *testing.T, err error) {
			wantAPIError[*types.StateMachineDoesNotExist](t, err, "State Machine Does Not Exist: '"+missing+"'")
		}},
		{"not an ARN", awssfn.UpdateStateMachineInput{StateMachineArn: aws.String("upd"), Definition: aws.String(passDefinition)}, func(t *testing.T, err error) {
			wantAPIError[*types.InvalidArn](t, err, "Invalid Arn: 'Invalid ARN prefix: upd'")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.UpdateStateMachine(context.Background(), &tt.input)
			tt.check(t, err)
		})
	}
	desc, err := c.DescribeStateMachine(context.Background(), &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	mustNoErr(t, "DescribeStateMachine", err)
	if aws.ToString(desc.Definition) != passDefinition {
		t.Fatalf("a rejected update changed the definition to %s", aws.ToString(desc.Definition))
	}
}

func TestInvalidArns(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	ctx := context.Background()
	activityARN := scope.ActivityARN("act")
	tests := []struct {
		name string
		call func() error
		msg  string
	}{
		{"describe with garbage", func() error {
			_, err := c.DescribeStateMachine(ctx, &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String("garbage")})
			return err
		}, "Invalid Arn: 'Invalid ARN prefix: garbage'"},
		{"describe with an activity ARN", func() error {
			_, err := c.DescribeStateMachine(ctx, &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String(activityARN)})
			return err
		}, "Invalid Arn: 'Resource type not valid in this context: activity'"},
		{"describe execution with a state machine ARN", func() error {
			_, err := c.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(scope.StateMachineARN("m"))})
			return err
		}, "Invalid Arn: 'Resource type not valid in this context: stateMachine'"},
		{"describe activity with garbage", func() error {
			_, err := c.DescribeActivity(ctx, &awssfn.DescribeActivityInput{ActivityArn: aws.String("arn:aws:states:us-east-1:123456789012:activity")})
			return err
		}, "Invalid Arn: 'arn:aws:states:us-east-1:123456789012:activity'"},
		{"start execution with garbage", func() error {
			_, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String("x")})
			return err
		}, "Invalid Arn: 'Invalid ARN prefix: x'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantAPIError[*types.InvalidArn](t, tt.call(), tt.msg)
		})
	}
}
