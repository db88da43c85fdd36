// Package checksql holds the consistency checks' SQL that both storage
// engines run word for word, so that their verdicts cannot drift apart.
package checksql

import "strings"

// ChargeProblems returns NetflixChargeProblems' statement with the
// organisation as the placeholder orgParam ("?1" for SQLite, "$1" for
// PostgreSQL): one branch per kind of disagreement between charges and
// their recorded references, each naming the charge (its number and
// ordinal, empty and 0 for a reference of a charge the organisation does
// not have) and what is wrong.
func ChargeProblems(orgParam string) string {
	return strings.ReplaceAll(chargeProblems, "{org}", orgParam)
}

const chargeProblems = `
	SELECT c.number, c.ordinal, 'acknowledged while PENDING with reference_number ' || c.pending_ack_ref ||
		', but ' || c.pending_ack_ref || ' is not recorded as its acknowledgement'
	FROM netflix_charges c
	WHERE c.organisation_id = {org} AND c.pending_ack_ref <> '' AND NOT EXISTS (SELECT 1 FROM netflix_references r
		WHERE r.organisation_id = c.organisation_id AND r.reference = c.pending_ack_ref AND r.charge_id = c.id AND r.purpose = 'ACKNOWLEDGE')
	UNION ALL
	SELECT c.number, c.ordinal, 'acknowledged once processed with reference_number ' || c.processed_ack_ref ||
		', but ' || c.processed_ack_ref || ' is not recorded as its acknowledgement'
	FROM netflix_charges c
	WHERE c.organisation_id = {org} AND c.processed_ack_ref <> '' AND NOT EXISTS (SELECT 1 FROM netflix_references r
		WHERE r.organisation_id = c.organisation_id AND r.reference = c.processed_ack_ref AND r.charge_id = c.id AND r.purpose = 'ACKNOWLEDGE')
	UNION ALL
	SELECT coalesce(c.number, ''), coalesce(c.ordinal, 0), CASE WHEN c.id IS NULL
		THEN 'reference_number ' || r.reference || ' is recorded as the acknowledgement of a charge this organisation does not have'
		ELSE 'reference_number ' || r.reference || ' is recorded as its acknowledgement, but neither of its acknowledgements carries it (half-done)' END
	FROM netflix_references r LEFT JOIN netflix_charges c ON c.organisation_id = r.organisation_id AND c.id = r.charge_id
	WHERE r.organisation_id = {org} AND r.purpose = 'ACKNOWLEDGE'
		AND (c.id IS NULL OR (c.pending_ack_ref <> r.reference AND c.processed_ack_ref <> r.reference))
	UNION ALL
	SELECT c.number, c.ordinal, c.decision || ' with reference_number ' || c.decision_reference ||
		', but ' || c.decision_reference || ' is not recorded as its decision'
	FROM netflix_charges c
	WHERE c.organisation_id = {org} AND c.decision <> '' AND c.decision_reference <> '' AND NOT EXISTS (SELECT 1 FROM netflix_references r
		WHERE r.organisation_id = c.organisation_id AND r.reference = c.decision_reference AND r.charge_id = c.id AND r.purpose = c.decision)
	UNION ALL
	SELECT coalesce(c.number, ''), coalesce(c.ordinal, 0), CASE WHEN c.id IS NULL
		THEN 'reference_number ' || r.reference || ' is recorded as the ' || r.purpose || ' decision of a charge this organisation does not have'
		ELSE 'reference_number ' || r.reference || ' is recorded as its ' || r.purpose || ' decision, but the charge is ' ||
			CASE WHEN c.decision = '' THEN 'undecided'
				WHEN c.decision_reference = '' THEN c.decision || ' without a reference_number'
				ELSE c.decision || ' with reference_number ' || c.decision_reference END || ' (half-done)' END
	FROM netflix_references r LEFT JOIN netflix_charges c ON c.organisation_id = r.organisation_id AND c.id = r.charge_id
	WHERE r.organisation_id = {org} AND r.purpose IN ('ACCEPTED', 'DECLINED')
		AND (c.id IS NULL OR c.decision <> r.purpose OR c.decision_reference <> r.reference)
	UNION ALL
	SELECT coalesce(c.number, ''), coalesce(c.ordinal, 0), 'reference_number ' || r.reference || ' is recorded for an unknown use, ' || r.purpose
	FROM netflix_references r LEFT JOIN netflix_charges c ON c.organisation_id = r.organisation_id AND c.id = r.charge_id
	WHERE r.organisation_id = {org} AND r.purpose NOT IN ('ACKNOWLEDGE', 'ACCEPTED', 'DECLINED')
	UNION ALL
	SELECT c.number, c.ordinal, 'acknowledged while PENDING with reference_number ' || c.pending_ack_ref || ', but without an acknowledgement time'
	FROM netflix_charges c WHERE c.organisation_id = {org} AND c.pending_ack_ref <> '' AND c.pending_ack_at IS NULL
	UNION ALL
	SELECT c.number, c.ordinal, 'acknowledged once processed with reference_number ' || c.processed_ack_ref || ', but without an acknowledgement time'
	FROM netflix_charges c WHERE c.organisation_id = {org} AND c.processed_ack_ref <> '' AND c.processed_ack_at IS NULL
	UNION ALL
	SELECT c.number, c.ordinal, 'PENDING, yet acknowledged as processed' ||
		CASE WHEN c.processed_ack_ref = '' THEN '' ELSE ' with reference_number ' || c.processed_ack_ref END
	FROM netflix_charges c WHERE c.organisation_id = {org} AND c.status = 'PENDING' AND c.processed_ack_at IS NOT NULL
	UNION ALL
	SELECT c.number, c.ordinal, c.decision || CASE WHEN c.decision_reference = '' THEN '' ELSE ' with reference_number ' || c.decision_reference END ||
		', but without a decision time'
	FROM netflix_charges c WHERE c.organisation_id = {org} AND c.decision <> '' AND c.decision_at IS NULL
	UNION ALL
	SELECT c.number, c.ordinal, 'undecided, yet ' || CASE WHEN c.decision_reference = '' THEN 'with a decision time'
		ELSE 'with decision reference_number ' || c.decision_reference END
	FROM netflix_charges c WHERE c.organisation_id = {org} AND c.decision = '' AND (c.decision_reference <> '' OR c.decision_at IS NOT NULL)
	UNION ALL
	SELECT c.number, c.ordinal, 'has an unknown decision, ' || c.decision
	FROM netflix_charges c WHERE c.organisation_id = {org} AND c.decision NOT IN ('', 'ACCEPTED', 'DECLINED')
	ORDER BY 2, 3`
