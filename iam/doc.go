// Package iam is Stepflow's access control: AWS's IAM JSON policy language (parsing with
// AWS's MalformedPolicyDocument reasons, and evaluation as AWS documents it: an explicit deny
// wins, then an allow, else the request is implicitly denied), the table that names, for every
// Step Functions action (and every action of the EventBridge, Scheduler and admin APIs), the
// resource ARN IAM checks it on, the checks a Task makes with its execution's role (or the role
// its Credentials name), the policy simulator, and the principals and access keys the API
// authenticates.
//
// Evaluation (ParsePolicy, Evaluate) is pure: a Request carries everything a policy may look at (the principal, the
// action, the resource and the request context, including aws:CurrentTime), so the same
// request against the same policies always gives the same Decision. The api and ui packages
// ask iam; iam never imports them. Directory is the part with I/O: it keeps principals,
// inline policies and access keys in the store, with secrets sealed by the server key
// (SecretBox), and reads them on every authentication so that a revoked key stops at once.
package iam
