// Package e2e drives a real Stepflow API server (the api package's handler on a loopback
// listener, over a real SQLite file) with the AWS SDK for Go v2 and the AWS CLI, checking
// answers and the exact error types the SDK decodes.
package e2e
