package iamadmin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/stepflow/stepflow/api"
	"github.com/stepflow/stepflow/iam"
	"github.com/stepflow/stepflow/store"
)

// TargetPrefix starts the X-Amz-Target of every admin action ("StepflowIAM.CreateUser").
const TargetPrefix = "StepflowIAM."

// SigningName is the SigV4 service name admin requests are signed for, as IAM's are.
const SigningName = iam.AdminService

// ContentType is the media type of the admin API's requests and answers.
const ContentType = "application/x-amz-json-1.1"

// Service returns the admin API over the directory, to pass in api.Config.Services of a server
// that authorizes with the same directory.
func Service(dir *iam.Directory) api.Service {
	h := &handler{dir: dir, now: time.Now}
	return api.Service{
		TargetPrefix: TargetPrefix,
		SigningName:  SigningName,
		ContentType:  ContentType,
		Actions: map[string]api.Action{
			"CreateUser":       api.Handle(h.createUser),
			"GetUser":          api.Handle(h.getUser),
			"ListUsers":        api.Handle(h.listUsers),
			"DeleteUser":       api.Handle(h.deleteUser),
			"PutUserPolicy":    api.Handle(h.putUserPolicy),
			"GetUserPolicy":    api.Handle(h.getUserPolicy),
			"ListUserPolicies": api.Handle(h.listUserPolicies),
			"DeleteUserPolicy": api.Handle(h.deleteUserPolicy),
			"TagUser":          api.Handle(h.tagUser),
			"UntagUser":        api.Handle(h.untagUser),
			"ListUserTags":     api.Handle(h.listUserTags),

			"CreateRole":       api.Handle(h.createRole),
			"GetRole":          api.Handle(h.getRole),
			"ListRoles":        api.Handle(h.listRoles),
			"DeleteRole":       api.Handle(h.deleteRole),
			"PutRolePolicy":    api.Handle(h.putRolePolicy),
			"GetRolePolicy":    api.Handle(h.getRolePolicy),
			"ListRolePolicies": api.Handle(h.listRolePolicies),
			"DeleteRolePolicy": api.Handle(h.deleteRolePolicy),
			"TagRole":          api.Handle(h.tagRole),
			"UntagRole":        api.Handle(h.untagRole),
			"ListRoleTags":     api.Handle(h.listRoleTags),

			"CreateAccessKey": api.Handle(h.createAccessKey),
			"ListAccessKeys":  api.Handle(h.listAccessKeys),
			"UpdateAccessKey": api.Handle(h.updateAccessKey),
			"DeleteAccessKey": api.Handle(h.deleteAccessKey),

			"SimulatePrincipalPolicy": api.Handle(h.simulatePrincipalPolicy),
		},
	}
}

type handler struct {
	dir *iam.Directory
	now func() time.Time
}

// errorStatus is the HTTP status IAM answers each of its errors with.
var errorStatus = map[string]int{
	iam.CodeNoSuchEntity:        http.StatusNotFound,
	iam.CodeEntityAlreadyExists: http.StatusConflict,
	iam.CodeLimitExceeded:       http.StatusConflict,
}

// fail gives the directory's refusals IAM's code and status; anything else is the server's
// fault.
func fail(err error) error {
	var e *iam.Error
	if errors.As(err, &e) {
		status, ok := errorStatus[e.Code]
		if !ok {
			status = http.StatusBadRequest
		}
		return &api.Error{Code: e.Code, Message: e.Message, Status: status}
	}
	return err
}

func validation(format string, args ...any) error {
	return &api.Error{Code: iam.CodeValidationError, Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

// Tag is a tag of a user or role, as IAM spells it.
type Tag struct {
	Key   string
	Value string
}

// Principal is a user or a role as IAM's User and Role shapes show them (Stepflow keeps no
// paths: every principal is at "/"). Dates are RFC 3339, as the AWS CLI prints them.
type Principal struct {
	Path       string
	UserName   string `json:",omitempty"`
	UserId     string `json:",omitempty"`
	RoleName   string `json:",omitempty"`
	RoleId     string `json:",omitempty"`
	Arn        string
	CreateDate string
	Tags       []Tag `json:",omitempty"`
}

func (h *handler) principalOut(ctx context.Context, p *store.Principal, withTags bool) (*Principal, error) {
	out := &Principal{Path: "/", Arn: p.ARN, CreateDate: p.CreatedDate.UTC().Format(time.RFC3339)}
	if p.Kind == store.PrincipalRole {
		out.RoleName, out.RoleId = p.Name, p.ID
	} else {
		out.UserName, out.UserId = p.Name, p.ID
	}
	if withTags {
		tags, err := h.dir.Store().TagList(ctx, &store.TagListParams{ResourceARN: p.ARN})
		if err != nil {
			return nil, err
		}
		for _, t := range tags {
			out.Tags = append(out.Tags, Tag{Key: t.Key, Value: t.Value})
		}
	}
	return out, nil
}

func storeTags(tags []Tag) ([]store.Tag, error) {
	var out []store.Tag
	for _, t := range tags {
		if t.Key == "" {
			return nil, validation("1 validation error detected: Value null at 'tags.member.key' failed to satisfy constraint: Member must not be null")
		}
		out = append(out, store.Tag{Key: t.Key, Value: t.Value})
	}
	return out, nil
}

// UserInput names a user (CreateUser also tags it).
type UserInput struct {
	UserName string
	Tags     []Tag
}

// RoleInput names a role (CreateRole also tags it).
type RoleInput struct {
	RoleName string
	Tags     []Tag
}

// UserOutput is the answer of CreateUser and GetUser.
type UserOutput struct{ User *Principal }

// RoleOutput is the answer of CreateRole and GetRole.
type RoleOutput struct{ Role *Principal }

// Empty is the answer of the actions that answer nothing.
type Empty struct{}

func (h *handler) create(ctx context.Context, kind store.PrincipalKind, name string, tags []Tag) (*Principal, error) {
	st, err := storeTags(tags)
	if err != nil {
		return nil, err
	}
	p, err := h.dir.CreatePrincipal(ctx, kind, name, st)
	if err != nil {
		return nil, fail(err)
	}
	return h.principalOut(ctx, p, true)
}

func (h *handler) get(ctx context.Context, kind store.PrincipalKind, name string) (*Principal, error) {
	p, err := h.dir.Principal(ctx, kind, name)
	if err != nil {
		return nil, fail(err)
	}
	return h.principalOut(ctx, p, true)
}

func (h *handler) createUser(ctx context.Context, in *UserInput) (*UserOutput, error) {
	p, err := h.create(ctx, store.PrincipalUser, in.UserName, in.Tags)
	return &UserOutput{User: p}, err
}

func (h *handler) createRole(ctx context.Context, in *RoleInput) (*RoleOutput, error) {
	p, err := h.create(ctx, store.PrincipalRole, in.RoleName, in.Tags)
	return &RoleOutput{Role: p}, err
}

// userName is the user an action acts on: the one named, or else (as IAM does for GetUser
// and the access-key actions) the calling user.
func userName(ctx context.Context, action, named string) (string, error) {
	name := iam.AdminUserName(action, map[string]any{"UserName": named}, api.CallerUserName(api.CallerOf(ctx)))
	if name == "" {
		return "", validation("Must specify userName when calling with non-User credentials")
	}
	return name, nil
}

func (h *handler) getUser(ctx context.Context, in *UserInput) (*UserOutput, error) {
	name, err := userName(ctx, "GetUser", in.UserName)
	if err != nil {
		return nil, err
	}
	p, err := h.get(ctx, store.PrincipalUser, name)
	return &UserOutput{User: p}, err
}

func (h *handler) getRole(ctx context.Context, in *RoleInput) (*RoleOutput, error) {
	p, err := h.get(ctx, store.PrincipalRole, in.RoleName)
	return &RoleOutput{Role: p}, err
}

// ListInput is the input of the List actions. Stepflow answers every item at once: accounts
// hold few principals, and IsTruncated is always false.
type ListInput struct {
	Marker   string
	MaxItems *int
}

// UsersOutput is the answer of ListUsers.
type UsersOutput struct {
	Users       []*Principal
	IsTruncated bool
}

// RolesOutput is the answer of ListRoles.
type RolesOutput struct {
	Roles       []*Principal
	IsTruncated bool
}

func (h *handler) list(ctx context.Context, kind store.PrincipalKind, in *ListInput) ([]*Principal, error) {
	if in.MaxItems != nil && (*in.MaxItems < 1 || *in.MaxItems > 1000) {
		return nil, validation("1 validation error detected: Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000", *in.MaxItems)
	}
	principals, err := h.dir.ListPrincipals(ctx, kind)
	if err != nil {
		return nil, err
	}
	out := []*Principal{}
	for _, p := range principals {
		o, err := h.principalOut(ctx, p, false)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

func (h *handler) listUsers(ctx context.Context, in *ListInput) (*UsersOutput, error) {
	users, err := h.list(ctx, store.PrincipalUser, in)
	return &UsersOutput{Users: users}, err
}

func (h *handler) listRoles(ctx context.Context, in *ListInput) (*RolesOutput, error) {
	roles, err := h.list(ctx, store.PrincipalRole, in)
	return &RolesOutput{Roles: roles}, err
}

func (h *handler) deleteUser(ctx context.Context, in *UserInput) (*Empty, error) {
	return &Empty{}, fail(h.dir.DeletePrincipal(ctx, store.PrincipalUser, in.UserName))
}

func (h *handler) deleteRole(ctx context.Context, in *RoleInput) (*Empty, error) {
	return &Empty{}, fail(h.dir.DeletePrincipal(ctx, store.PrincipalRole, in.RoleName))
}

// PolicyInput names an inline policy of a user or a role (PutUserPolicy and PutRolePolicy
// also carry its document).
type PolicyInput struct {
	UserName       string `json:",omitempty"`
	RoleName       string `json:",omitempty"`
	PolicyName     string
	PolicyDocument string `json:",omitempty"`
}

// PolicyOutput is the answer of GetUserPolicy and GetRolePolicy: the document as it was put.
type PolicyOutput struct {
	UserName       string `json:",omitempty"`
	RoleName       string `json:",omitempty"`
	PolicyName     string
	PolicyDocument string
}

// PolicyNamesOutput is the answer of ListUserPolicies and ListRolePolicies.
type PolicyNamesOutput struct {
	PolicyNames []string
	IsTruncated bool
}

func (h *handler) putPolicy(ctx context.Context, kind store.PrincipalKind, name string, in *PolicyInput) (*Empty, error) {
	if in.PolicyDocument == "" {
		return nil, validation("1 validation error detected: Value null at 'policyDocument' failed to satisfy constraint: Member must not be null")
	}
	return &Empty{}, fail(h.dir.PutPolicy(ctx, kind, name, in.PolicyName, in.PolicyDocument))
}

func (h *handler) getPolicy(ctx context.Context, kind store.PrincipalKind, name, policyName string) (*PolicyOutput, error) {
	p, err := h.dir.Principal(ctx, kind, name)
	if err != nil {
		return nil, fail(err)
	}
	for _, pp := range p.Policies {
		if pp.Name == policyName {
			out := &PolicyOutput{PolicyName: pp.Name, PolicyDocument: pp.Document}
			if kind == store.PrincipalRole {
				out.RoleName = p.Name
			} else {
				out.UserName = p.Name
			}
			return out, nil
		}
	}
	return nil, fail(&iam.Error{Code: iam.CodeNoSuchEntity, Message: fmt.Sprintf("The %s policy with name %s cannot be found.", kind, policyName)})
}

func (h *handler) listPolicies(ctx context.Context, kind store.PrincipalKind, name string) (*PolicyNamesOutput, error) {
	p, err := h.dir.Principal(ctx, kind, name)
	if err != nil {
		return nil, fail(err)
	}
	out := &PolicyNamesOutput{PolicyNames: []string{}}
	for _, pp := range p.Policies {
		out.PolicyNames = append(out.PolicyNames, pp.Name)
	}
	return out, nil
}

func (h *handler) putUserPolicy(ctx context.Context, in *PolicyInput) (*Empty, error) {
	return h.putPolicy(ctx, store.PrincipalUser, in.UserName, in)
}

func (h *handler) putRolePolicy(ctx context.Context, in *PolicyInput) (*Empty, error) {
	return h.putPolicy(ctx, store.PrincipalRole, in.RoleName, in)
}

func (h *handler) getUserPolicy(ctx context.Context, in *PolicyInput) (*PolicyOutput, error) {
	return h.getPolicy(ctx, store.PrincipalUser, in.UserName, in.PolicyName)
}

func (h *handler) getRolePolicy(ctx context.Context, in *PolicyInput) (*PolicyOutput, error) {
	return h.getPolicy(ctx, store.PrincipalRole, in.RoleName, in.PolicyName)
}

func (h *handler) listUserPolicies(ctx context.Context, in *UserInput) (*PolicyNamesOutput, error) {
	return h.listPolicies(ctx, store.PrincipalUser, in.UserName)
}

func (h *handler) listRolePolicies(ctx context.Context, in *RoleInput) (*PolicyNamesOutput, error) {
	return h.listPolicies(ctx, store.PrincipalRole, in.RoleName)
}

func (h *handler) deleteUserPolicy(ctx context.Context, in *PolicyInput) (*Empty, error) {
	return &Empty{}, fail(h.dir.DeletePolicy(ctx, store.PrincipalUser, in.UserName, in.PolicyName))
}

func (h *handler) deleteRolePolicy(ctx context.Context, in *PolicyInput) (*Empty, error) {
	return &Empty{}, fail(h.dir.DeletePolicy(ctx, store.PrincipalRole, in.RoleName, in.PolicyName))
}

// TagsInput tags a user or role (TagUser, TagRole), removes its tags by key (UntagUser,
// UntagRole) or names it (ListUserTags, ListRoleTags).
type TagsInput struct {
	UserName string `json:",omitempty"`
	RoleName string `json:",omitempty"`
	Tags     []Tag
	TagKeys  []string
}

// TagsOutput is the answer of ListUserTags and ListRoleTags.
type TagsOutput struct {
	Tags        []Tag
	IsTruncated bool
}

func (h *handler) tag(ctx context.Context, kind store.PrincipalKind, name string, in *TagsInput) (*Empty, error) {
	if len(in.Tags) == 0 {
		return nil, validation("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
	}
	tags, err := storeTags(in.Tags)
	if err != nil {
		return nil, err
	}
	return &Empty{}, fail(h.dir.TagPrincipal(ctx, kind, name, tags))
}

func (h *handler) untag(ctx context.Context, kind store.PrincipalKind, name string, in *TagsInput) (*Empty, error) {
	if len(in.TagKeys) == 0 {
		return nil, validation("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
	}
	return &Empty{}, fail(h.dir.UntagPrincipal(ctx, kind, name, in.TagKeys))
}

func (h *handler) listTags(ctx context.Context, kind store.PrincipalKind, name string) (*TagsOutput, error) {
	tags, err := h.dir.PrincipalTags(ctx, kind, name)
	if err != nil {
		return nil, fail(err)
	}
	out := &TagsOutput{Tags: []Tag{}}
	for _, t := range tags {
		out.Tags = append(out.Tags, Tag{Key: t.Key, Value: t.Value})
	}
	return out, nil
}

func (h *handler) tagUser(ctx context.Context, in *TagsInput) (*Empty, error) {
	return h.tag(ctx, store.PrincipalUser, in.UserName, in)
}

func (h *handler) tagRole(ctx context.Context, in *TagsInput) (*Empty, error) {
	return h.tag(ctx, store.PrincipalRole, in.RoleName, in)
}

func (h *handler) untagUser(ctx context.Context, in *TagsInput) (*Empty, error) {
	return h.untag(ctx, store.PrincipalUser, in.UserName, in)
}

func (h *handler) untagRole(ctx context.Context, in *TagsInput) (*Empty, error) {
	return h.untag(ctx, store.PrincipalRole, in.RoleName, in)
}

func (h *handler) listUserTags(ctx context.Context, in *TagsInput) (*TagsOutput, error) {
	return h.listTags(ctx, store.PrincipalUser, in.UserName)
}

func (h *handler) listRoleTags(ctx context.Context, in *TagsInput) (*TagsOutput, error) {
	return h.listTags(ctx, store.PrincipalRole, in.RoleName)
}

// AccessKeyInput names a user's access key (UpdateAccessKey also sets its status).
type AccessKeyInput struct {
	UserName    string `json:",omitempty"`
	AccessKeyId string `json:",omitempty"`
	Status      string `json:",omitempty"`
}

// AccessKey is a key as IAM shows it; SecretAccessKey only in CreateAccessKey's answer.
type AccessKey struct {
	UserName        string
	AccessKeyId     string
	Status          string
	SecretAccessKey string `json:",omitempty"`
	CreateDate      string
}

// AccessKeyOutput is the answer of CreateAccessKey: the secret is shown this once.
type AccessKeyOutput struct{ AccessKey AccessKey }

// AccessKeysOutput is the answer of ListAccessKeys.
type AccessKeysOutput struct {
	AccessKeyMetadata []AccessKey
	IsTruncated       bool
}

func (h *handler) createAccessKey(ctx context.Context, in *AccessKeyInput) (*AccessKeyOutput, error) {
	name, err := userName(ctx, "CreateAccessKey", in.UserName)
	if err != nil {
		return nil, err
	}
	k, err := h.dir.CreateAccessKey(ctx, name)
	if err != nil {
		return nil, fail(err)
	}
	return &AccessKeyOutput{AccessKey: AccessKey{UserName: name, AccessKeyId: k.ID, Status: string(k.Status), SecretAccessKey: k.Secret,
		CreateDate: k.CreatedDate.UTC().Format(time.RFC3339)}}, nil
}

func (h *handler) listAccessKeys(ctx context.Context, in *AccessKeyInput) (*AccessKeysOutput, error) {
	name, err := userName(ctx, "ListAccessKeys", in.UserName)
	if err != nil {
		return nil, err
	}
	keys, err := h.dir.ListAccessKeys(ctx, name)
	if err != nil {
		return nil, fail(err)
	}
	out := &AccessKeysOutput{AccessKeyMetadata: []AccessKey{}}
	for _, k := range keys {
		out.AccessKeyMetadata = append(out.AccessKeyMetadata, AccessKey{UserName: name, AccessKeyId: k.ID, Status: string(k.Status), CreateDate: k.CreatedDate.UTC().Format(time.RFC3339)})
	}
	return out, nil
}

func (h *handler) updateAccessKey(ctx context.Context, in *AccessKeyInput) (*Empty, error) {
	name, err := userName(ctx, "UpdateAccessKey", in.UserName)
	if err != nil {
		return nil, err
	}
	return &Empty{}, fail(h.dir.UpdateAccessKey(ctx, name, in.AccessKeyId, store.AccessKeyStatus(in.Status)))
}

func (h *handler) deleteAccessKey(ctx context.Context, in *AccessKeyInput) (*Empty, error) {
	name, err := userName(ctx, "DeleteAccessKey", in.UserName)
	if err != nil {
		return nil, err
	}
	return &Empty{}, fail(h.dir.DeleteAccessKey(ctx, name, in.AccessKeyId))
}

// ContextEntry is a condition key of a simulated request, as IAM's simulator takes it.
type ContextEntry struct {
	ContextKeyName   string
	ContextKeyValues []string
	ContextKeyType   string `json:",omitempty"`
}

// SimulateInput asks what a user or role may do: each action on each resource ("*" when none
// is given), with the given condition keys.
type SimulateInput struct {
	PolicySourceArn string
	ActionNames     []string
	ResourceArns    []string
	ContextEntries  []ContextEntry
}

// SimulateOutput is the answer of SimulatePrincipalPolicy.
type SimulateOutput struct {
	EvaluationResults []iam.EvaluationResult
	IsTruncated       bool
}

// maxSimulatedRequests bounds the requests one simulation evaluates (actions times resources).
const maxSimulatedRequests = 1000

func (h *handler) simulatePrincipalPolicy(ctx context.Context, in *SimulateInput) (*SimulateOutput, error) {
	if in.PolicySourceArn == "" {
		return nil, validation("1 validation error detected: Value null at 'policySourceArn' failed to satisfy constraint: Member must not be null")
	}
	if len(in.ActionNames) == 0 {
		return nil, validation("1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null")
	}
	if n := len(in.ActionNames) * max(1, len(in.ResourceArns)); n > maxSimulatedRequests {
		return nil, validation("Too many requests to simulate: %d actions on %d resources (at most %d pairs)", len(in.ActionNames), len(in.ResourceArns), maxSimulatedRequests)
	}
	given := iam.Context{}
	for _, e := range in.ContextEntries {
		if e.ContextKeyName == "" {
			return nil, validation("1 validation error detected: Value null at 'contextEntries.member.contextKeyName' failed to satisfy constraint: Member must not be null")
		}
		given.Set(e.ContextKeyName, e.ContextKeyValues...)
	}
	results, err := h.dir.Simulate(ctx, in.PolicySourceArn, in.ActionNames, in.ResourceArns, given, h.now())
	if err != nil {
		var e *iam.Error
		if errors.As(err, &e) && e.Code == iam.CodeNoSuchEntity {
			// IAM answers an unknown PolicySourceArn as invalid input.
			return nil, &api.Error{Code: "InvalidInput", Message: e.Message, Status: http.StatusBadRequest}
		}
		return nil, fail(err)
	}
	return &SimulateOutput{EvaluationResults: results}, nil
}
