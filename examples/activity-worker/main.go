// Command activity-worker is an example activity worker for Stepflow, written with the AWS SDK
// for Go v2 exactly as it would be for AWS Step Functions: it long-polls GetActivityTask for one
// activity, runs the work, and answers with SendTaskSuccess or SendTaskFailure. Only the
// endpoint differs.
//
//	go run ./examples/activity-worker --endpoint http://127.0.0.1:8083 \
//	    --activity arn:aws:states:us-east-1:123456789012:activity:greet
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:8083", "Stepflow's API endpoint")
	activity := flag.String("activity", "", "activity ARN to work for")
	once := flag.Bool("once", false, "stop after one task")
	flag.Parse()
	if *activity == "" {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("any", "any", "")))
	if err != nil {
		log.Fatal(err)
	}
	client := sfn.NewFromConfig(cfg, func(o *sfn.Options) { o.BaseEndpoint = aws.String(*endpoint) })
	for {
		worked, err := workOnce(ctx, client, *activity, "example-worker", greet)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Fatal(err)
		}
		if worked && *once {
			return
		}
	}
}

// greet is the work: {"name": "Ada"} -> {"greeting": "Hello, Ada!"}. An input without a name
// fails the task with the error "MissingName".
func greet(input map[string]any) (any, error) {
	name, _ := input["name"].(string)
	if name == "" {
		return nil, &taskError{Name: "MissingName", Cause: "the input has no name"}
	}
	return map[string]any{"greeting": "Hello, " + name + "!"}, nil
}

type taskError struct{ Name, Cause string }

func (e *taskError) Error() string { return e.Name + ": " + e.Cause }

// workOnce polls for one task (GetActivityTask waits up to 60 s) and answers it. It reports
// whether a task came.
func workOnce(ctx context.Context, client *sfn.Client, activityARN, worker string, work func(map[string]any) (any, error)) (bool, error) {
	task, err := client.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String(activityARN), WorkerName: aws.String(worker)})
	if err != nil {
		return false, fmt.Errorf("get activity task: %w", err)
	}
	if task.TaskToken == nil {
		return false, nil // the long poll ended without a task
	}
	var input map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(task.Input)), &input); err != nil {
		input = map[string]any{}
	}
	output, workErr := work(input)
	var te *taskError
	if errors.As(workErr, &te) {
		_, err = client.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: task.TaskToken, Error: aws.String(te.Name), Cause: aws.String(te.Cause)})
		return true, err
	}
	if workErr != nil {
		_, err = client.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: task.TaskToken, Error: aws.String("WorkerError"), Cause: aws.String(workErr.Error())})
		return true, err
	}
	text, err := json.Marshal(output)
	if err != nil {
		return true, err
	}
	_, err = client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(string(text))})
	return true, err
}
