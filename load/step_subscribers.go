package load

import (
	"context"
	"net/http"
	"strings"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// The subscriber step makes each newsletter subscriber of the input
// (a source's email-marketing opt-in) a subscriber of the target: POST
// /customers/subscribers, one per request (the endpoint takes one),
// idempotent by email — the API keeps one subscriber per email and
// answers a second POST with 409, which is settled by looking the email
// up: a subscriber this run's lost request created is loaded, one the
// target had is skipped-existing (its consents are the target's). A
// subscriber that is a customer's goes with its customer (not sent when
// the customer was rejected or skipped); a store's subscribers who are no
// customers go on their own. The source's order id names an order of the
// source store and is not carried; its channel is mapped as a customer's
// are, and dropped (named in the result) when the target has no such
// channel.

var pendingSubscribers = pendingQuery{`SELECT s.seq, s.key, s.cust, s.ref, s.data, NULL FROM src s
	LEFT JOIN src c ON s.cust != '' AND c.entity = ?1 AND c.key = s.cust
	WHERE s.entity = ?2 AND s.status IS NULL AND (s.cust = '' OR c.status IN (?3, ?4))`,
	[]any{ent(staging.EntityCustomers), ent(staging.EntitySubscribers), stc(staging.StatusLoaded), stc(staging.StatusUpdated)}}

type subscriberStep struct{ l *loader }

func (subscriberStep) entity() staging.Entity { return staging.EntitySubscribers }

func (subscriberStep) info() stepInfo {
	return stepInfo{name: "subscribers", pending: pendingSubscribers, endpoints: []string{epPostSubscribers}, perCall: 1}
}

func (subscriberStep) batchKey(staging.Subscriber) (kind, key string) { return "", "" }

func (subscriberStep) items(_ context.Context, rows []ownedRow) ([]staging.Subscriber, []outcome, error) {
	out := make([]staging.Subscriber, 0, len(rows))
	for _, r := range rows {
		sb, err := decode[staging.Subscriber](r.srcRow)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, sb)
	}
	return out, nil, nil
}

func (s subscriberStep) send(ctx context.Context, batch []staging.Subscriber) ([]outcome, error) {
	sb := batch[0]
	body := bigcommerce.SubscriberCreate{Email: sb.Email, FirstName: sb.FirstName, LastName: sb.LastName, Source: sb.Source,
		Consents: sb.Consents}
	if body.Consents == nil {
		body.Consents = []string{}
	}
	var note string
	if sb.ChannelID != nil && *sb.ChannelID != 0 {
		s.l.tm.mu.Lock()
		id, why := s.l.tm.channel(*sb.ChannelID, s.l.opts.ChannelMap)
		s.l.tm.mu.Unlock()
		if why != "" {
			note = "subscribed without a channel: " + why
		} else {
			body.ChannelID = id
		}
	}
	lost := false
	for attempt := 0; ; attempt++ {
		got, err := call(ctx, s.l, epPostSubscribers, 1, func(ctx context.Context) (bigcommerce.Subscriber, error) {
			out, _, err := s.l.c.Subscribers.Create(ctx, body)
			return out, err
		})
		if err == nil {
			return []outcome{{entity: staging.EntitySubscribers, key: sb.SourceKey, status: staging.StatusLoaded, target: got.ID, http: http.StatusOK, message: note}}, nil
		}
		if bigcommerce.IsOutcomeUnknown(err) && attempt < maxReconcileAttempts {
			lost = true
			continue
		}
		if er := invalid(err); er == nil || er.StatusCode != http.StatusConflict {
			return nil, err
		}
		found, lerr := s.byEmail(ctx, sb.Email)
		if lerr != nil {
			return nil, answeredError{lerr}
		}
		if found == nil {
			return nil, err
		}
		if lost {
			return []outcome{{entity: staging.EntitySubscribers, key: sb.SourceKey, status: staging.StatusLoaded, target: found.ID,
				message: "created by a request whose answer was lost; found on the target"}}, nil
		}
		return []outcome{{entity: staging.EntitySubscribers, key: sb.SourceKey, status: staging.StatusSkipped, target: found.ID, http: http.StatusConflict,
			message: "already a subscriber of the target store (its consents are kept)"}}, nil
	}
}

func (s subscriberStep) byEmail(ctx context.Context, email string) (*bigcommerce.Subscriber, error) {
	s.l.count(epGetSubscribers, 0)
	got, _, err := s.l.c.Subscribers.List(ctx, &bigcommerce.SubscriberListOptions{Email: email})
	if err != nil {
		return nil, err
	}
	for _, g := range got {
		if strings.EqualFold(g.Email, email) {
			return &g, nil
		}
	}
	return nil, nil
}

func (subscriberStep) reject(sb staging.Subscriber, r *refusal, i int) (staging.Subscriber, bool, []outcome) {
	return sb, false, []outcome{{entity: staging.EntitySubscribers, key: sb.SourceKey, status: staging.StatusRejected, http: r.er.StatusCode,
		message: "the target store refused the subscriber: " + r.reason(i)}}
}
