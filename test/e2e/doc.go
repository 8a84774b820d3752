// Package e2e drives a real Stepflow API server (the api package's handler on a loopback
// listener, over a real SQLite file) with the AWS SDK for Go v2, the AWS CLI and boto3, checking
// answers and the exact error types each client decodes. The load test and benchmark run
// `stepflow server` as its own process under 100 concurrent SDK clients.
package e2e
