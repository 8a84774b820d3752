// Package iamadmin serves Stepflow's admin API for access control beside the Step Functions
// API on the same port: users, roles, their inline policies, access keys and the policy
// simulator, over HTTP. IAM's own API speaks AWS's query protocol (form-encoded requests, XML
// answers); this one keeps IAM's action names, members and error codes but speaks the AWS JSON
// 1.1 protocol the other APIs of the server speak: a POST to / with X-Amz-Target
// "StepflowIAM.ACTION", signed with SigV4 for the service "iam". Each call is authorized by the
// caller's IAM policies with the action iam:ACTION on the user or role ARN it acts on, so an
// operator grants administration as AWS does (iam:CreateAccessKey on
// arn:aws:iam::ACCOUNT:user/${aws:username} lets every user rotate its own keys).
package iamadmin
