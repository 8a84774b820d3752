package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func TestTags(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	ctx := context.Background()
	machine := createMachine(t, c, "tagged")
	activity, err := c.CreateActivity(ctx, &awssfn.CreateActivityInput{Name: aws.String("worker"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	mustNoErr(t, "CreateActivity", err)

	for _, arn := range []string{machine, aws.ToString(activity.ActivityArn)} {
		_, err := c.TagResource(ctx, &awssfn.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{
			{Key: aws.String("env"), Value: aws.String("dev")}, {Key: aws.String("a"), Value: aws.String("1")},
		}})
		mustNoErr(t, "TagResource", err)
		_, err = c.UntagResource(ctx, &awssfn.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"a", "absent"}})
		mustNoErr(t, "UntagResource", err)
		tags, err := c.ListTagsForResource(ctx, &awssfn.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
		mustNoErr(t, "ListTagsForResource", err)
		got := ""
		for _, tag := range tags.Tags {
			got += aws.ToString(tag.Key) + "=" + aws.ToString(tag.Value) + ";"
		}
		want := "env=dev;"
		if arn != machine {
			want = "env=dev;k=v;"
		}
		if got != want {
			t.Fatalf("tags of %s = %s, want %s", arn, got, want)
		}
	}

	missing := scope.StateMachineARN("missing")
	_, err = c.TagResource(ctx, &awssfn.TagResourceInput{ResourceArn: aws.String(missing), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	e := wantAPIError[*types.ResourceNotFound](t, err, "Resource not found: '"+missing+"'")
	if aws.ToString(e.ResourceName) != missing {
		t.Fatalf("resourceName = %s", aws.ToString(e.ResourceName))
	}
	_, err = c.ListTagsForResource(ctx, &awssfn.ListTagsForResourceInput{ResourceArn: aws.String("nope")})
	wantAPIError[*types.InvalidArn](t, err, "Invalid Arn: 'Invalid ARN prefix: nope'")

	var many []types.Tag
	for i := range 50 {
		many = append(many, types.Tag{Key: aws.String(fmt.Sprintf("k%d", i)), Value: aws.String("v")})
	}
	_, err = c.TagResource(ctx, &awssfn.TagResourceInput{ResourceArn: aws.String(machine), Tags: many})
	wantAPIError[*types.TooManyTags](t, err, "Too many tags: a resource can have at most 50 tags")
	_, err = c.TagResource(ctx, &awssfn.TagResourceInput{ResourceArn: aws.String(machine), Tags: []types.Tag{{Key: aws.String(""), Value: aws.String("v")}}})
	wantErrorCode(t, err, "ValidationException", "1 validation error detected: Value '' at 'tags.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1")
}

func TestActivities(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t, withActivityPollTimeout(50*time.Millisecond))
	ctx := context.Background()
	created, err := c.CreateActivity(ctx, &awssfn.CreateActivityInput{Name: aws.String("approve")})
	mustNoErr(t, "CreateActivity", err)
	arn := aws.ToString(created.ActivityArn)
	if arn != scope.ActivityARN("approve") {
		t.Fatalf("activity ARN %s", arn)
	}
	again, err := c.CreateActivity(ctx, &awssfn.CreateActivityInput{Name: aws.String("approve")})
	mustNoErr(t, "CreateActivity again", err)
	if !again.CreationDate.Equal(*created.CreationDate) {
		t.Fatalf("idempotent CreateActivity changed the creation date")
	}
	_, err = c.CreateActivity(ctx, &awssfn.CreateActivityInput{Name: aws.String("b")})
	mustNoErr(t, "CreateActivity b", err)

	desc, err := c.DescribeActivity(ctx, &awssfn.DescribeActivityInput{ActivityArn: aws.String(arn)})
	mustNoErr(t, "DescribeActivity", err)
	if aws.ToString(desc.Name) != "approve" || !desc.CreationDate.Equal(*created.CreationDate) {
		t.Fatalf("DescribeActivity = %+v", desc)
	}
	list, err := c.ListActivities(ctx, &awssfn.ListActivitiesInput{MaxResults: 1})
	mustNoErr(t, "ListActivities", err)
	if len(list.Activities) != 1 || list.NextToken == nil {
		t.Fatalf("ListActivities page = %d items, next %v", len(list.Activities), list.NextToken)
	}
	list, err = c.ListActivities(ctx, &awssfn.ListActivitiesInput{NextToken: list.NextToken})
	mustNoErr(t, "ListActivities page 2", err)
	if len(list.Activities) != 1 || list.NextToken != nil {
		t.Fatalf("ListActivities page 2 = %d items, next %v", len(list.Activities), list.NextToken)
	}

	_, err = c.CreateActivity(ctx, &awssfn.CreateActivityInput{Name: aws.String("a/b")})
	wantAPIError[*types.InvalidName](t, err, "Invalid Name: 'a/b'")

	missing := scope.ActivityARN("missing")
	_, err = c.DescribeActivity(ctx, &awssfn.DescribeActivityInput{ActivityArn: aws.String(missing)})
	wantAPIError[*types.ActivityDoesNotExist](t, err, "Activity Does Not Exist: '"+missing+"'")
	_, err = c.GetActivityTask(ctx, &awssfn.GetActivityTaskInput{ActivityArn: aws.String(missing)})
	wantAPIError[*types.ActivityDoesNotExist](t, err, "Activity Does Not Exist: '"+missing+"'")

	_, err = c.DeleteActivity(ctx, &awssfn.DeleteActivityInput{ActivityArn: aws.String(arn)})
	mustNoErr(t, "DeleteActivity", err)
	_, err = c.DescribeActivity(ctx, &awssfn.DescribeActivityInput{ActivityArn: aws.String(arn)})
	wantAPIError[*types.ActivityDoesNotExist](t, err, "")

	// With no execution waiting on it, the long poll ends empty.
	task, err := c.GetActivityTask(ctx, &awssfn.GetActivityTaskInput{ActivityArn: aws.String(scope.ActivityARN("b")), WorkerName: aws.String("w1")})
	mustNoErr(t, "GetActivityTask", err)
	if task.TaskToken != nil {
		t.Fatalf("GetActivityTask with no execution returned token %s", aws.ToString(task.TaskToken))
	}
}
