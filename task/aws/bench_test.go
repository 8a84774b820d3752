package aws_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/stepflow/stepflow/internal/mototest"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
	awsint "github.com/stepflow/stepflow/task/aws"
)

// BenchmarkDynamoDBPutItem compares a dynamodb:putItem task (the invoker alone: signing,
// encoding, the call, the result with its SDK metadata) with the AWS SDK for Go v2 doing the
// same calls against the same moto server in the same run. docs/aws-integrations.md
// reports the ratio.
func BenchmarkDynamoDBPutItem(b *testing.B) {
	base := mototest.URL(b)
	db := dynamodb.NewFromConfig(mototest.Config(base))
	ctx := context.Background()
	if _, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("bench"),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest}); err != nil {
		b.Fatal(err)
	}
	inv, err := awsint.New(awsint.Config{Region: mototest.Region, Credentials: mototest.Credentials, Endpoints: []string{"*=" + base}, Allow: []string{"dynamodb"}})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("stepflow", func(b *testing.B) {
		res := sfn.ParseResource("arn:aws:states:::dynamodb:putItem")
		for i := 0; b.Loop(); i++ {
			_, err := inv.Invoke(ctx, &task.Request{Resource: res, Input: map[string]any{"TableName": "bench",
				"Item": map[string]any{"id": map[string]any{"S": fmt.Sprint(i)}, "v": map[string]any{"N": "1"}}}})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sdk", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("bench"), Item: map[string]ddbtypes.AttributeValue{
				"id": &ddbtypes.AttributeValueMemberS{Value: fmt.Sprint(i)}, "v": &ddbtypes.AttributeValueMemberN{Value: "1"}}})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
