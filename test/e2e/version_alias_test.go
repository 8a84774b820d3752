package e2e

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func TestVersions(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	ctx := context.Background()
	created, err := c.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{
		Name: aws.String("ver"), Definition: aws.String(passDefinition), RoleArn: aws.String(roleARN),
		Publish: true, VersionDescription: aws.String("first"),
	})
	mustNoErr(t, "CreateStateMachine publish", err)
	machine := aws.ToString(created.StateMachineArn)
	if got := aws.ToString(created.StateMachineVersionArn); got != machine+":1" {
		t.Fatalf("published version %s, want %s:1", got, machine)
	}

	// Publishing the same revision again is idempotent.
	same, err := c.PublishStateMachineVersion(ctx, &awssfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(machine)})
	mustNoErr(t, "PublishStateMachineVersion same revision", err)
	if aws.ToString(same.StateMachineVersionArn) != machine+":1" {
		t.Fatalf("republish gave %s, want version 1", aws.ToString(same.StateMachineVersionArn))
	}

	upd, err := c.UpdateStateMachine(ctx, &awssfn.UpdateStateMachineInput{
		StateMachineArn: aws.String(machine), Definition: aws.String(otherDefinition), Publish: true, VersionDescription: aws.String("second"),
	})
	mustNoErr(t, "UpdateStateMachine publish", err)
	if aws.ToString(upd.StateMachineVersionArn) != machine+":2" {
		t.Fatalf("update published %s, want version 2", aws.ToString(upd.StateMachineVersionArn))
	}

	_, err = c.PublishStateMachineVersion(ctx, &awssfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(machine), RevisionId: aws.String("stale")})
	wantAPIError[*types.ConflictException](t, err, "Failed to publish the State Machine version for revision stale. The current State Machine revision is "+aws.ToString(upd.RevisionId)+".")

	v1, err := c.DescribeStateMachine(ctx, &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String(machine + ":1")})
	mustNoErr(t, "DescribeStateMachine version 1", err)
	if aws.ToString(v1.Definition) != passDefinition || aws.ToString(v1.Description) != "first" || aws.ToString(v1.StateMachineArn) != machine+":1" {
		t.Fatalf("version 1 = %+v", v1)
	}

	list, err := c.ListStateMachineVersions(ctx, &awssfn.ListStateMachineVersionsInput{StateMachineArn: aws.String(machine)})
	mustNoErr(t, "ListStateMachineVersions", err)
	if len(list.StateMachineVersions) != 2 || aws.ToString(list.StateMachineVersions[0].StateMachineVersionArn) != machine+":2" {
		t.Fatalf("versions = %+v, want 2 newest first", list.StateMachineVersions)
	}

	_, err = c.DeleteStateMachineVersion(ctx, &awssfn.DeleteStateMachineVersionInput{StateMachineVersionArn: aws.String(machine + ":1")})
	mustNoErr(t, "DeleteStateMachineVersion", err)
	_, err = c.DescribeStateMachine(ctx, &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String(machine + ":1")})
	wantAPIError[*types.StateMachineDoesNotExist](t, err, "State Machine Does Not Exist: '"+machine+":1'")

	none, err := c.ListStateMachineVersions(ctx, &awssfn.ListStateMachineVersionsInput{StateMachineArn: aws.String(scope.StateMachineARN("nope"))})
	mustNoErr(t, "ListStateMachineVersions of a missing machine", err)
	if len(none.StateMachineVersions) != 0 {
		t.Fatalf("versions of a missing machine: %+v", none.StateMachineVersions)
	}
	_, err = c.PublishStateMachineVersion(ctx, &awssfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(scope.StateMachineARN("nope"))})
	wantAPIError[*types.StateMachineDoesNotExist](t, err, "")
	_, err = c.DeleteStateMachineVersion(ctx, &awssfn.DeleteStateMachineVersionInput{StateMachineVersionArn: aws.String(machine)})
	wantAPIError[*types.InvalidArn](t, err, "Invalid Arn: '"+machine+"'")
}

func TestAliases(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	ctx := context.Background()
	created, err := c.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{
		Name: aws.String("al"), Definition: aws.String(passDefinition), RoleArn: aws.String(roleARN), Publish: true,
	})
	mustNoErr(t, "CreateStateMachine", err)
	machine := aws.ToString(created.StateMachineArn)
	_, err = c.UpdateStateMachine(ctx, &awssfn.UpdateStateMachineInput{StateMachineArn: aws.String(machine), Definition: aws.String(otherDefinition), Publish: true})
	mustNoErr(t, "UpdateStateMachine publish", err)
	v1, v2 := machine+":1", machine+":2"

	alias, err := c.CreateStateMachineAlias(ctx, &awssfn.CreateStateMachineAliasInput{
		Name: aws.String("prod"), Description: aws.String("production"),
		RoutingConfiguration: []types.RoutingConfigurationListItem{{StateMachineVersionArn: aws.String(v1), Weight: 90}, {StateMachineVersionArn: aws.String(v2), Weight: 10}},
	})
	mustNoErr(t, "CreateStateMachineAlias", err)
	aliasARN := aws.ToString(alias.StateMachineAliasArn)
	if aliasARN != machine+":prod" {
		t.Fatalf("alias ARN %s", aliasARN)
	}
	desc, err := c.DescribeStateMachineAlias(ctx, &awssfn.DescribeStateMachineAliasInput{StateMachineAliasArn: aws.String(aliasARN)})
	mustNoErr(t, "DescribeStateMachineAlias", err)
	if aws.ToString(desc.Name) != "prod" || aws.ToString(desc.Description) != "production" || len(desc.RoutingConfiguration) != 2 ||
		desc.RoutingConfiguration[0].Weight != 90 || aws.ToString(desc.RoutingConfiguration[1].StateMachineVersionArn) != v2 {
		t.Fatalf("DescribeStateMachineAlias = %+v", desc)
	}

	_, err = c.UpdateStateMachineAlias(ctx, &awssfn.UpdateStateMachineAliasInput{
		StateMachineAliasArn: aws.String(aliasARN),
		RoutingConfiguration: []types.RoutingConfigurationListItem{{StateMachineVersionArn: aws.String(v2), Weight: 100}},
	})
	mustNoErr(t, "UpdateStateMachineAlias", err)
	desc, err = c.DescribeStateMachineAlias(ctx, &awssfn.DescribeStateMachineAliasInput{StateMachineAliasArn: aws.String(aliasARN)})
	mustNoErr(t, "DescribeStateMachineAlias after update", err)
	if len(desc.RoutingConfiguration) != 1 || aws.ToString(desc.Description) != "production" {
		t.Fatalf("after update: %+v", desc)
	}

	// A version an alias routes to cannot be deleted.
	_, err = c.DeleteStateMachineVersion(ctx, &awssfn.DeleteStateMachineVersionInput{StateMachineVersionArn: aws.String(v2)})
	wantAPIError[*types.ConflictException](t, err, "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: ["+aliasARN+"]")

	list, err := c.ListStateMachineAliases(ctx, &awssfn.ListStateMachineAliasesInput{StateMachineArn: aws.String(machine)})
	mustNoErr(t, "ListStateMachineAliases", err)
	if len(list.StateMachineAliases) != 1 || aws.ToString(list.StateMachineAliases[0].StateMachineAliasArn) != aliasARN {
		t.Fatalf("aliases = %+v", list.StateMachineAliases)
	}

	byVersion, err := c.ListStateMachineAliases(ctx, &awssfn.ListStateMachineAliasesInput{StateMachineArn: aws.String(v2)})
	mustNoErr(t, "ListStateMachineAliases of version 2", err)
	byV1, err := c.ListStateMachineAliases(ctx, &awssfn.ListStateMachineAliasesInput{StateMachineArn: aws.String(v1)})
	mustNoErr(t, "ListStateMachineAliases of version 1", err)
	if len(byVersion.StateMachineAliases) != 1 || len(byV1.StateMachineAliases) != 0 {
		t.Fatalf("aliases routing to v2: %d, to v1: %d; want 1 and 0", len(byVersion.StateMachineAliases), len(byV1.StateMachineAliases))
	}
	_, err = c.ListStateMachineAliases(ctx, &awssfn.ListStateMachineAliasesInput{StateMachineArn: aws.String(scope.StateMachineARN("nope"))})
	wantAPIError[*types.StateMachineDoesNotExist](t, err, "State Machine Does Not Exist: '"+scope.StateMachineARN("nope")+"'")
	_, err = c.DescribeStateMachine(ctx, &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String(aliasARN)})
	wantAPIError[*types.InvalidArn](t, err, "Invalid Arn: '"+aliasARN+"'")

	bad := []struct {
		name    string
		routing []types.RoutingConfigurationListItem
		aname   string
		check   func(t *testing.T, err error)
	}{
		{"weights not 100", []types.RoutingConfigurationListItem{{StateMachineVersionArn: aws.String(v1), Weight: 50}}, "half", func(t *testing.T, err error) {
			e := wantAPIError[*types.ValidationException](t, err, "Sum of routing configuration weights must equal 100, got 50")
			if e.Reason != types.ValidationExceptionReasonInvalidRoutingConfiguration {
				t.Fatalf("reason %s", e.Reason)
			}
		}},
		{"missing version", []types.RoutingConfigurationListItem{{StateMachineVersionArn: aws.String(machine + ":9"), Weight: 100}}, "nine", func(t *testing.T, err error) {
			e := wantAPIError[*types.ResourceNotFound](t, err, "Resource not found: '"+machine+":9'")
			if aws.ToString(e.ResourceName) != machine+":9" {
				t.Fatalf("resourceName %s", aws.ToString(e.ResourceName))
			}
		}},
		{"digits-only name", []types.RoutingConfigurationListItem{{StateMachineVersionArn: aws.String(v1), Weight: 100}}, "123", func(t *testing.T, err error) {
			wantAPIError[*types.ValidationException](t, err, `1 validation error detected: Value '123' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$`)
		}},
		{"same name other routing", []types.RoutingConfigurationListItem{{StateMachineVersionArn: aws.String(v1), Weight: 100}}, "prod", func(t *testing.T, err error) {
			wantAPIError[*types.ConflictException](t, err, "")
		}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.CreateStateMachineAlias(ctx, &awssfn.CreateStateMachineAliasInput{Name: aws.String(tt.aname), RoutingConfiguration: tt.routing})
			tt.check(t, err)
		})
	}

	_, err = c.DeleteStateMachineAlias(ctx, &awssfn.DeleteStateMachineAliasInput{StateMachineAliasArn: aws.String(aliasARN)})
	mustNoErr(t, "DeleteStateMachineAlias", err)
	_, err = c.DescribeStateMachineAlias(ctx, &awssfn.DescribeStateMachineAliasInput{StateMachineAliasArn: aws.String(aliasARN)})
	wantAPIError[*types.ResourceNotFound](t, err, "Resource not found: '"+aliasARN+"'")
	_, err = c.DeleteStateMachineVersion(ctx, &awssfn.DeleteStateMachineVersionInput{StateMachineVersionArn: aws.String(v2)})
	mustNoErr(t, "DeleteStateMachineVersion once no alias routes to it", err)
}
