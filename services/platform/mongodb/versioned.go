package mongodb

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Errors returned by Versioned writes.
var (
	// ErrConflict means another writer got to the expected revision first.
	ErrConflict = errors.New("revision conflict")
	// ErrGone means the document does not exist (any more).
	ErrGone = errors.New("document not found")
)

// Versioned writes documents that carry an int64 "revision" field, keeping every
// revision in a log collection, with a compare-and-set that is atomic on every
// MongoDB-compatible server.
//
// A conditional replace ({_id, revision: n}) is atomic on MongoDB but not on FerretDB v1,
// where two concurrent writers can both match revision n. An insert under a unique _id
// is atomic everywhere, so a writer first claims revision n+1 by inserting it into the
// log under the _id "{id}@{n+1}", and only the one claimant replaces the document. A
// writer that finds the claim taken rolls the claimant's document forward (so that a
// claimant that crashed never blocks the document) and reports ErrConflict.
//
// Log entries are documents of the caller's shape with at least _id (LogID), "of" (the
// document's _id), "revision", and "doc" (the document at that revision).
type Versioned struct {
	Docs *mongo.Collection
	Log  *mongo.Collection
	// Locks, when set, serialises this process's writes to each document. The claim
	// decides between writers everywhere; but FerretDB applies a replace by reading then
	// writing without holding the row, so a late replace can put back an older revision.
	// Within one process the lock keeps such writes from overlapping at all. Between
	// processes (replicas on FerretDB) it can still happen: the document then stays at
	// the older revision, which the log no longer ends with, until its next write rolls
	// it forward. MongoDB's conditional replace is atomic: there, it cannot happen.
	Locks *Locks

	hooks *hooks // nil but in this package's tests
}

// hooks let tests step into a write: see what overlaps, or lose an acknowledgement.
type hooks struct {
	insertClaim func(ctx context.Context, log *mongo.Collection, claim any) error
	claimed     func(id string) // between the claim and the replace
}

func (v Versioned) insertClaim(ctx context.Context, claim any) error {
	if v.hooks != nil && v.hooks.insertClaim != nil {
		return v.hooks.insertClaim(ctx, v.Log, claim)
	}
	_, err := v.Log.InsertOne(ctx, claim)
	return err
}

// Locks is a set of mutexes by document id.
type Locks struct {
	mu    sync.Mutex
	locks map[string]*lockRef
}

type lockRef struct {
	sync.Mutex
	users int
}

// NewLocks returns an empty set.
func NewLocks() *Locks { return &Locks{locks: map[string]*lockRef{}} }

// Lock locks id and returns its unlock; nil Locks lock nothing.
func (l *Locks) Lock(id string) func() {
	if l == nil {
		return func() {}
	}
	l.mu.Lock()
	r := l.locks[id]
	if r == nil {
		r = &lockRef{}
		l.locks[id] = r
	}
	r.users++
	l.mu.Unlock()
	r.Lock()
	return func() {
		r.Unlock()
		l.mu.Lock()
		if r.users--; r.users == 0 {
			delete(l.locks, id)
		}
		l.mu.Unlock()
	}
}

// LogID is the _id of the log entry for document id at revision.
func LogID(id string, revision int64) string { return fmt.Sprintf("%s@%d", id, revision) }

// Insert stores a new document id and logs it as its first revision. A taken _id (or any
// other unique key) is returned as is, for IsDuplicateKey.
func (v Versioned) Insert(ctx context.Context, id string, doc, logEntry any) error {
	if _, err := v.Docs.InsertOne(ctx, doc); err != nil {
		return err
	}
	// The id is new, so any log it has is left over from a deleted document of the same
	// id whose deletion was cut short: it must not be rolled forward onto this one.
	if _, err := v.Log.DeleteMany(ctx, bson.D{{Key: "of", Value: id}}); err != nil {
		return fmt.Errorf("clear stale log of %s: %w", id, err)
	}
	// A crash here leaves the first revision unlogged, which costs only its history.
	if _, err := v.Log.InsertOne(ctx, logEntry); err != nil && !IsDuplicateKey(err) {
		return fmt.Errorf("log first revision: %w", err)
	}
	return nil
}

// Replace replaces document id, whose stored revision must be revision, with next (at
// revision+1), logging next first as logEntry (whose _id is LogID(id, revision+1)).
// It returns ErrConflict when the stored revision is another, ErrGone when the
// document does not exist, and a unique-key violation of next as is (nothing written).
func (v Versioned) Replace(ctx context.Context, id string, revision int64, next, logEntry any) error {
	defer v.Locks.Lock(id)()
	claim := LogID(id, revision+1)
	// The claim carries a nonce, so that a claim this writer made but whose
	// acknowledgement it lost (the driver retries the insert and finds it taken) is
	// recognised as its own rather than rolled forward and then applied a second time.
	entry, err := withNonce(logEntry)
	if err != nil {
		return err
	}
	if err := v.insertClaim(ctx, entry.doc); err != nil {
		if !IsDuplicateKey(err) {
			return fmt.Errorf("log revision %d: %w", revision+1, err)
		}
		mine, err := v.claimedBy(ctx, claim, entry.nonce)
		if err != nil {
			return err
		}
		if !mine {
			if err := v.rollForward(ctx, id, revision, claim); err != nil {
				return err
			}
			return ErrConflict
		}
	}
	if v.hooks != nil && v.hooks.claimed != nil {
		v.hooks.claimed(id)
	}
	res, err := v.Docs.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "revision", Value: revision}}, next)
	if err != nil {
		v.dropClaim(ctx, claim)
		return err
	}
	if res.MatchedCount == 1 {
		return nil
	}
	// Nothing matched: the document is gone, still at an older revision because the
	// claim was stale (a revision left in the log by a deleted document of the same id),
	// or already rolled forward to our revision by another writer.
	stored, err := v.revision(ctx, id)
	switch {
	case errors.Is(err, ErrGone):
		v.dropClaim(ctx, claim)
		return ErrGone
	case err != nil:
		return err
	case stored > revision:
		return nil
	}
	v.dropClaim(ctx, claim)
	return ErrConflict
}

// nonced is a log entry with a nonce field added.
type nonced struct {
	doc   bson.D
	nonce string
}

func withNonce(logEntry any) (nonced, error) {
	raw, err := bson.Marshal(logEntry)
	if err != nil {
		return nonced{}, fmt.Errorf("encode log entry: %w", err)
	}
	var doc bson.D
	if err := bson.Unmarshal(raw, &doc); err != nil {
		return nonced{}, fmt.Errorf("encode log entry: %w", err)
	}
	nonce := strconv.FormatUint(rand.Uint64(), 36)
	return nonced{doc: append(doc, bson.E{Key: "claim_nonce", Value: nonce}), nonce: nonce}, nil
}

// claimedBy reports whether the claim holds this nonce.
func (v Versioned) claimedBy(ctx context.Context, claim, nonce string) (bool, error) {
	var c struct {
		Nonce string `bson:"claim_nonce"`
	}
	err := v.Log.FindOne(ctx, bson.D{{Key: "_id", Value: claim}}).Decode(&c)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read log entry %s: %w", claim, err)
	}
	return c.Nonce == nonce, nil
}

// rollForward applies the claimed revision+1 to a document still at revision.
func (v Versioned) rollForward(ctx context.Context, id string, revision int64, claim string) error {
	var entry struct {
		Doc bson.Raw `bson:"doc"`
	}
	err := v.Log.FindOne(ctx, bson.D{{Key: "_id", Value: claim}}).Decode(&entry)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return ErrConflict // the claimant gave up; a retry claims afresh
	}
	if err != nil {
		return fmt.Errorf("read log entry %s: %w", claim, err)
	}
	_, err = v.Docs.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "revision", Value: revision}}, entry.Doc)
	if IsDuplicateKey(err) {
		// The claimed revision can never apply: drop it so that writers can go on.
		v.dropClaim(ctx, claim)
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("roll %s forward to revision %d: %w", id, revision+1, err)
	}
	return nil
}

func (v Versioned) dropClaim(ctx context.Context, claim string) {
	// Best effort: a claim left behind is dropped or rolled forward by the next writer.
	_, _ = v.Log.DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: claim}})
}

func (v Versioned) revision(ctx context.Context, id string) (int64, error) {
	var d struct {
		Revision int64 `bson:"revision"`
	}
	err := v.Docs.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, ErrGone
	}
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", id, err)
	}
	return d.Revision, nil
}

// Delete deletes document id if its stored revision is revision (any revision when 0),
// then its log. It returns ErrGone or ErrConflict when nothing matched.
func (v Versioned) Delete(ctx context.Context, id string, revision int64) error {
	filter := bson.D{{Key: "_id", Value: id}}
	if revision != 0 {
		filter = append(filter, bson.E{Key: "revision", Value: revision})
	}
	res, err := v.Docs.DeleteOne(ctx, filter)
	if err != nil {
		return fmt.Errorf("delete %s: %w", id, err)
	}
	if res.DeletedCount == 0 {
		if _, err := v.revision(ctx, id); err != nil {
			return err
		}
		return ErrConflict
	}
	if _, err := v.Log.DeleteMany(ctx, bson.D{{Key: "of", Value: id}}); err != nil {
		return fmt.Errorf("delete log of %s: %w", id, err)
	}
	return nil
}

// LogIndex is the index every log collection needs: one document's revisions, newest first.
func LogIndex() mongo.IndexModel {
	return mongo.IndexModel{
		Keys:    bson.D{{Key: "of", Value: 1}, {Key: "revision", Value: -1}},
		Options: options.Index().SetName("of_revision"),
	}
}
