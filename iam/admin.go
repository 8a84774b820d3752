package iam

import (
	"sort"

	"github.com/stepflow/stepflow/sfn"
)

// AdminService is the IAM prefix of the admin API's actions (iam:CreateUser, ...), and the
// SigV4 service name its requests are signed for.
const AdminService = "iam"

// adminResourceKind says what an admin action acts on, after AWS's "Actions, resources, and
// condition keys for AWS Identity and Access Management": a user for the user, user-policy
// and access-key actions, a role for the role actions, the principal simulated for
// SimulatePrincipalPolicy, and "*" for the List actions of the account.
type adminResourceKind int

const (
	adminOnUser adminResourceKind = iota
	adminOnRole
	adminOnPolicySource
	adminOnAny
)

var adminResources = map[string]adminResourceKind{
	"CreateUser":       adminOnUser,
	"GetUser":          adminOnUser,
	"DeleteUser":       adminOnUser,
	"PutUserPolicy":    adminOnUser,
	"GetUserPolicy":    adminOnUser,
	"DeleteUserPolicy": adminOnUser,
	"ListUserPolicies": adminOnUser,
	"CreateAccessKey":  adminOnUser,
	"ListAccessKeys":   adminOnUser,
	"UpdateAccessKey":  adminOnUser,
	"DeleteAccessKey":  adminOnUser,
	"TagUser":          adminOnUser,
	"UntagUser":        adminOnUser,
	"ListUserTags":     adminOnUser,
	"ListUsers":        adminOnAny,

	"CreateRole":       adminOnRole,
	"GetRole":          adminOnRole,
	"DeleteRole":       adminOnRole,
	"PutRolePolicy":    adminOnRole,
	"GetRolePolicy":    adminOnRole,
	"DeleteRolePolicy": adminOnRole,
	"ListRolePolicies": adminOnRole,
	"TagRole":          adminOnRole,
	"UntagRole":        adminOnRole,
	"ListRoleTags":     adminOnRole,
	"ListRoles":        adminOnAny,

	"SimulatePrincipalPolicy": adminOnPolicySource,
}

// AdminActions lists the admin API's actions, sorted.
func AdminActions() []string {
	names := make([]string, 0, len(adminResources))
	for n := range adminResources {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// implicitUserActions are GetUser and the access-key actions that, as on AWS, act on the caller's own user
// when the request names none: a user may rotate its own keys with a policy on
// arn:aws:iam::ACCOUNT:user/${aws:username}.
var implicitUserActions = map[string]bool{
	"GetUser": true, "CreateAccessKey": true, "ListAccessKeys": true, "UpdateAccessKey": true, "DeleteAccessKey": true,
}

// AdminUserName is the user an admin action acts on: its UserName member, or for the
// access-key actions that name none, the calling user (caller, "" when the caller is not a
// user).
func AdminUserName(action string, input map[string]any, caller string) string {
	if name := stringField(input, "UserName"); name != "" || !implicitUserActions[action] {
		return name
	}
	return caller
}

// AdminResource returns the ARN IAM checks an admin action on, read from its decoded JSON
// input (caller is the calling user's name, for the access-key actions that name no user),
// and false for an action it does not know. A request that lacks the member gets "*": the
// action then refuses it as invalid, once some policy lets the caller call it at all.
func AdminResource(action string, input map[string]any, scope sfn.Scope, caller string) (string, bool) {
	kind, ok := adminResources[action]
	if !ok {
		return "", false
	}
	prefix := "arn:" + scope.Partition + ":iam::" + scope.Account + ":"
	switch kind {
	case adminOnUser:
		if name := AdminUserName(action, input, caller); name != "" {
			return prefix + "user/" + name, true
		}
	case adminOnRole:
		if name := stringField(input, "RoleName"); name != "" {
			return prefix + "role/" + name, true
		}
	case adminOnPolicySource:
		if arn := stringField(input, "PolicySourceArn"); arn != "" {
			return arn, true
		}
	}
	return "*", true
}

// AdminRequestTags fills the request-tag condition keys of an admin action that tags a user or
// role (aws:RequestTag/KEY and aws:TagKeys), or of UntagUser and UntagRole (aws:TagKeys), as IAM
// does: a policy may then keep some tags (stepflow:rate-limit, say) out of an administrator's
// reach.
func AdminRequestTags(action string, input map[string]any, ctx Context) {
	switch action {
	case "CreateUser", "CreateRole", "TagUser", "TagRole":
		tags, _ := input["Tags"].([]any)
		var keys []string
		for _, t := range tags {
			tag, _ := t.(map[string]any)
			key := stringField(tag, "Key")
			if key == "" {
				continue
			}
			keys = append(keys, key)
			ctx.Set(KeyRequestTag+key, stringField(tag, "Value"))
		}
		if len(keys) > 0 {
			ctx.Set(KeyTagKeys, keys...)
		}
	case "UntagUser", "UntagRole":
		list, _ := input["TagKeys"].([]any)
		var keys []string
		for _, k := range list {
			if s, ok := k.(string); ok {
				keys = append(keys, s)
			}
		}
		if len(keys) > 0 {
			ctx.Set(KeyTagKeys, keys...)
		}
	}
}
