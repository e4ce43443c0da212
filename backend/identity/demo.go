package identity

import (
	"context"
	"errors"

	"github.com/cardagent/cardagent/backend/store"
)

// DemoTerms is the demo's terms text, after the NHS Smartcard Agreement.
const DemoTerms = `Terms and conditions of smartcard use (demo)

1. I will keep my smartcard secure and never share it or my passcode.
2. I will not leave my smartcard unattended, and will remove it when I leave the workstation.
3. All transactions made while my smartcard is in use are recorded for audit purposes, and I am accountable for them.
4. I will report a lost, stolen or damaged smartcard to my Registration Authority at once.
5. I will only access information appropriate to my role.`

// DemoUser is one demo person with their roles.
type DemoUser struct {
	User  store.User
	Roles []store.Position
}

// DemoOrganisations and DemoUsers are the data `identityd demo` and the
// agent's demo mode use.
var (
	DemoOrganisations = []store.Organisation{
		{ID: "RDEMO1", Name: "Demo General Hospital NHS Trust"},
		{ID: "GDEMO2", Name: "Sheerwater Demo Health Centre"},
	}
	DemoUsers = []DemoUser{
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

// SeedDemo adds the demo organisations, users, roles and terms; data already
// there is left alone, so it can run at every demo start.
func (s *Service) SeedDemo(ctx context.Context) error {
	const actor = "demo"
	exists := func(read func(r store.Reader) error) (bool, error) {
		err := s.store.View(ctx, read)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		return err == nil, err
	}
	for _, o := range DemoOrganisations {
		ok, err := exists(func(r store.Reader) error { _, err := r.Organisation(ctx, o.ID); return err })
		if err == nil && !ok {
			err = s.CreateOrganisation(ctx, actor, o)
		}
		if err != nil {
			return err
		}
	}
	for _, du := range DemoUsers {
		ok, err := exists(func(r store.Reader) error { _, err := r.User(ctx, du.User.ID); return err })
		if err != nil || ok {
			if err != nil {
				return err
			}
			continue // an existing demo user keeps the roles it has
		}
		if err := s.CreateUser(ctx, actor, du.User); err != nil {
			return err
		}
		for _, p := range du.Roles {
			p.UserID = du.User.ID
			if _, err := s.GrantRole(ctx, actor, p); err != nil {
				return err
			}
		}
	}
	ok, err := exists(func(r store.Reader) error { _, err := r.LatestTerms(ctx); return err })
	if err != nil || ok {
		return err
	}
	_, err = s.PublishTerms(ctx, actor, DemoTerms)
	return err
}
