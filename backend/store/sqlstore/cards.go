package sqlstore

import (
	"context"
	"database/sql"

	"github.com/cardagent/cardagent/backend/store"
)

func (t *tx) CreateCard(ctx context.Context, c store.Card) error {
	return t.exec(ctx, "creating card "+c.GUID,
		`INSERT INTO cards (guid, user_id, state, key_version, puk_sealed, puk_next, created_at, cancelled_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		c.GUID, c.UserID, string(c.State), c.KeyVersion, c.PUKSealed, c.PUKNext, micros(c.CreatedAt), nullMicros(c.CancelledAt))
}

func (t *tx) UpdateCard(ctx context.Context, c store.Card) error {
	res, err := t.q.ExecContext(ctx,
		`UPDATE cards SET state = $2, key_version = $3, puk_sealed = $4, puk_next = $5, cancelled_at = $6 WHERE guid = $1`,
		c.GUID, string(c.State), c.KeyVersion, c.PUKSealed, c.PUKNext, nullMicros(c.CancelledAt))
	return t.oneRow("updating card "+c.GUID, res, err)
}

const cardColumns = `guid, user_id, state, key_version, puk_sealed, puk_next, created_at, cancelled_at`

func scanCard(row interface{ Scan(...any) error }) (store.Card, error) {
	var c store.Card
	var state string
	var created int64
	var cancelled sql.NullInt64
	err := row.Scan(&c.GUID, &c.UserID, &state, &c.KeyVersion, &c.PUKSealed, &c.PUKNext, &created, &cancelled)
	c.State, c.CreatedAt, c.CancelledAt = store.CardState(state), fromMicros(created), fromNullMicros(cancelled)
	return c, err
}

func (t *tx) Card(ctx context.Context, guid string) (store.Card, error) {
	c, err := scanCard(t.q.QueryRowContext(ctx, `SELECT `+cardColumns+` FROM cards WHERE guid = $1`, guid))
	if err != nil {
		return c, t.wrap("reading card "+guid, err)
	}
	return c, nil
}

func (t *tx) Cards(ctx context.Context, userID string) ([]store.Card, error) {
	q, args := `SELECT `+cardColumns+` FROM cards ORDER BY user_id, created_at`, []any{}
	if userID != "" {
		q, args = `SELECT `+cardColumns+` FROM cards WHERE user_id = $1 ORDER BY created_at`, []any{userID}
	}
	rows, err := t.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, t.wrap("listing cards", err)
	}
	defer rows.Close()
	var cs []store.Card
	for rows.Next() {
		c, err := scanCard(rows)
		if err != nil {
			return nil, t.wrap("listing cards", err)
		}
		cs = append(cs, c)
	}
	return cs, t.wrapIf("listing cards", rows.Err())
}

func (t *tx) InsertCertificate(ctx context.Context, c store.Certificate) error {
	return t.exec(ctx, "storing certificate "+c.Serial,
		`INSERT INTO certificates (serial, card_guid, slot, not_before, not_after, renewals_since_ra, der, issued_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		c.Serial, c.CardGUID, c.Slot, micros(c.NotBefore), micros(c.NotAfter), c.RenewalsSinceRA, c.DER, micros(c.IssuedAt))
}

const certColumns = `serial, card_guid, slot, not_before, not_after, renewals_since_ra, der, issued_at`

func scanCert(row interface{ Scan(...any) error }) (store.Certificate, error) {
	var c store.Certificate
	var nb, na, issued int64
	err := row.Scan(&c.Serial, &c.CardGUID, &c.Slot, &nb, &na, &c.RenewalsSinceRA, &c.DER, &issued)
	c.NotBefore, c.NotAfter, c.IssuedAt = fromMicros(nb), fromMicros(na), fromMicros(issued)
	return c, err
}

func (t *tx) Certificate(ctx context.Context, serial string) (store.Certificate, error) {
	c, err := scanCert(t.q.QueryRowContext(ctx, `SELECT `+certColumns+` FROM certificates WHERE serial = $1`, serial))
	if err != nil {
		return c, t.wrap("reading certificate "+serial, err)
	}
	return c, nil
}

func (t *tx) CurrentCertificate(ctx context.Context, cardGUID, slot string) (store.Certificate, error) {
	c, err := scanCert(t.q.QueryRowContext(ctx, `SELECT `+certColumns+` FROM certificates
		WHERE card_guid = $1 AND slot = $2 ORDER BY issued_at DESC, serial LIMIT 1`, cardGUID, slot))
	if err != nil {
		return c, t.wrap("reading current "+slot+" certificate of "+cardGUID, err)
	}
	return c, nil
}

func (t *tx) CardLogin(ctx context.Context, guid, serial string) (store.CardLogin, error) {
	var cl store.CardLogin
	c := &cl.Card
	var state string
	var created int64
	var cancelled sql.NullInt64
	var ceSerial, ceCard, ceSlot sql.NullString
	var ceNB, ceNA, ceRenewals, ceIssued sql.NullInt64
	var ceDER []byte
	var uID, uName, uEmail, uMobile sql.NullString
	var uDisabled sql.NullBool
	var uCreated sql.NullInt64
	var current sql.NullString
	err := t.q.QueryRowContext(ctx, `SELECT c.guid, c.user_id, c.state, c.key_version, c.puk_sealed, c.puk_next, c.created_at, c.cancelled_at,
		ce.serial, ce.card_guid, ce.slot, ce.not_before, ce.not_after, ce.renewals_since_ra, ce.der, ce.issued_at,
		u.id, u.name, u.email, u.mobile, u.disabled, u.created_at,
		(SELECT cur.serial FROM certificates cur WHERE cur.card_guid = c.guid AND cur.slot = '9a'
		 ORDER BY cur.issued_at DESC, cur.serial LIMIT 1)
		FROM cards c LEFT JOIN certificates ce ON ce.serial = $2 LEFT JOIN users u ON u.id = c.user_id
		WHERE c.guid = $1`, guid, serial).Scan(
		&c.GUID, &c.UserID, &state, &c.KeyVersion, &c.PUKSealed, &c.PUKNext, &created, &cancelled,
		&ceSerial, &ceCard, &ceSlot, &ceNB, &ceNA, &ceRenewals, &ceDER, &ceIssued,
		&uID, &uName, &uEmail, &uMobile, &uDisabled, &uCreated, &current)
	if err != nil {
		return cl, t.wrap("reading card "+guid, err)
	}
	c.State, c.CreatedAt, c.CancelledAt = store.CardState(state), fromMicros(created), fromNullMicros(cancelled)
	cl.CurrentAuthSerial = current.String
	if ceSerial.Valid {
		cl.Cert = &store.Certificate{
			Serial: ceSerial.String, CardGUID: ceCard.String, Slot: ceSlot.String,
			NotBefore: fromMicros(ceNB.Int64), NotAfter: fromMicros(ceNA.Int64), RenewalsSinceRA: int(ceRenewals.Int64),
			DER: ceDER, IssuedAt: fromMicros(ceIssued.Int64),
		}
	}
	if uID.Valid {
		cl.User = &store.User{
			ID: uID.String, Name: uName.String, Email: uEmail.String, Mobile: uMobile.String,
			Disabled: uDisabled.Bool, CreatedAt: fromMicros(uCreated.Int64),
		}
	}
	return cl, nil
}

func (t *tx) oneRow(what string, res sql.Result, err error) error {
	if err != nil {
		return t.wrap(what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return t.wrap(what, err)
	}
	if n == 0 {
		return t.wrap(what, sql.ErrNoRows)
	}
	return nil
}
