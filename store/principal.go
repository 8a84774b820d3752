package store

import "time"

// PrincipalKind says whether a principal is a user (who calls the API with access keys) or a
// role (which executions act as).
type PrincipalKind string

// The kinds of principals.
const (
	PrincipalUser PrincipalKind = "user"
	PrincipalRole PrincipalKind = "role"
)

// Principal is an IAM user or role with its inline policies. Its tags live in the tag table
// under its ARN (TagSet, TagList), like those of any resource.
type Principal struct {
	ARN  string
	Kind PrincipalKind
	Name string
	// ID is the principal's unique id (AIDA... for users, AROA... for roles): aws:userid.
	ID          string
	CreatedDate time.Time
	// Policies are the inline policies, sorted by name.
	Policies []PrincipalPolicy
}

// PrincipalPolicy is one inline policy: a name and its JSON document, as the operator put it.
type PrincipalPolicy struct {
	Name     string
	Document string
}

// PrincipalCreateParams creates a principal without policies.
type PrincipalCreateParams struct {
	ARN         string
	Kind        PrincipalKind
	Name        string
	ID          string
	CreatedDate time.Time
}

// PrincipalGetByARNParams names a principal.
type PrincipalGetByARNParams struct {
	ARN string
}

// PrincipalListParams lists the principals of one kind.
type PrincipalListParams struct {
	Kind PrincipalKind
}

// PrincipalDeleteParams names the principal to delete with its policies, tags and keys.
type PrincipalDeleteParams struct {
	ARN string
}

// PrincipalPolicyPutParams adds an inline policy to a principal or replaces the one of that name.
type PrincipalPolicyPutParams struct {
	PrincipalARN string
	Name         string
	Document     string
}

// PrincipalPolicyDeleteParams removes an inline policy.
type PrincipalPolicyDeleteParams struct {
	PrincipalARN string
	Name         string
}

// AccessKeyStatus is Active or Inactive, as on AWS: an inactive key is refused.
type AccessKeyStatus string

// The statuses of an access key.
const (
	AccessKeyActive   AccessKeyStatus = "Active"
	AccessKeyInactive AccessKeyStatus = "Inactive"
)

// AccessKey is a principal's access key. The store keeps the secret sealed: SealedSecret is
// what the iam package's server key made of it, opaque to the store.
type AccessKey struct {
	ID           string
	PrincipalARN string
	SealedSecret string
	Status       AccessKeyStatus
	CreatedDate  time.Time
}

// AccessKeyCreateParams adds an access key to a principal.
type AccessKeyCreateParams struct {
	ID           string
	PrincipalARN string
	SealedSecret string
	Status       AccessKeyStatus
	CreatedDate  time.Time
}

// AccessKeyGetParams names an access key.
type AccessKeyGetParams struct {
	ID string
}

// AccessKeyListParams lists a principal's keys, oldest first.
type AccessKeyListParams struct {
	PrincipalARN string
}

// AccessKeyUpdateParams sets a key's status.
type AccessKeyUpdateParams struct {
	ID     string
	Status AccessKeyStatus
}

// AccessKeyDeleteParams names the key to delete.
type AccessKeyDeleteParams struct {
	ID string
}
