package demo

import (
	"context"
	"errors"

	"github.com/cardagent/cardagent/backend/identity"
	"github.com/cardagent/cardagent/backend/store"
)

// Terms is the demo's terms text, after the NHS Smartcard Agreement.
const Terms = `Terms and conditions of smartcard use (demo)

1. I will keep my smartcard secure and never share it or my passcode.
2. I will not leave my smartcard unattended, and will remove it when I leave the workstation.
3. All transactions made while my smartcard is in use are recorded for audit purposes, and I am accountable for them.
4. I will report a lost, stolen or damaged smartcard to my Registration Authority at once.
5. I will only access information appropriate to my role.`

// User is one demo person with their roles.
type User struct {
	User  store.User
	Roles []store.Position
}

// Organisations and Users are the data `identityd demo` and the agent's
// demo mode seed (and the backend's tests log in as).
var (
	Organisations = []store.Organisation{
		{ID: "RDEMO1", Name: "Demo General Hospital NHS Trust"},
		{ID: "GDEMO2", Name: "Sheerwater Demo Health Centre"},
	}
	Users = []User{
		{User: store.User{ID: "555000000001", Name: "Dr Ada Demo", Email: "ada.demo@nhs.net", Mobile: "07700900001"},
			Roles: []store.Position{
				{ID: "demo-ada-clinician", OrganisationID: "RDEMO1", RoleName: "Clinical Practitioner"},
				{ID: "demo-ada-gp", OrganisationID: "GDEMO2", RoleName: "General Medical Practitioner"},
			}},
		{User: store.User{ID: "555000000002", Name: "Sam Demo (RA)", Email: "sam.demo@nhs.net"},
			Roles: []store.Position{
				{ID: "demo-sam-ra", OrganisationID: "RDEMO1", RoleName: "Registration Authority Agent"},
				{ID: "demo-sam-lsa", OrganisationID: "RDEMO1", RoleName: "Local Smartcard Administrator"},
			}},
	}
)

// Seed adds the demo organisations, users, roles and terms; data already
// there is left alone, so it can run at every demo start.
func Seed(ctx context.Context, svc *identity.Service) error {
	const actor = "demo"
	missing := func(err error) (bool, error) {
		if errors.Is(err, store.ErrNotFound) {
			return true, nil
		}
		return false, err
	}
	for _, o := range Organisations {
		_, err := svc.Organisation(ctx, o.ID)
		add, err := missing(err)
		if err == nil && add {
			err = svc.CreateOrganisation(ctx, actor, o)
		}
		if err != nil {
			return err
		}
	}
	for _, du := range Users {
		_, err := svc.User(ctx, du.User.ID)
		add, err := missing(err)
		if err != nil {
			return err
		}
		if !add {
			continue // an existing demo user keeps the roles it has
		}
		if err := svc.CreateUser(ctx, actor, du.User); err != nil {
			return err
		}
		for _, p := range du.Roles {
			p.UserID = du.User.ID
			if _, err := svc.GrantRole(ctx, actor, p); err != nil {
				return err
			}
		}
	}
	_, err := svc.LatestTerms(ctx)
	if add, err := missing(err); err != nil || !add {
		return err
	}
	_, err = svc.PublishTerms(ctx, actor, Terms)
	return err
}
