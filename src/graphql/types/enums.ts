import { registerEnumType } from "type-graphql";

/** Reason recorded on the revoked certificates (RFC 5280 CRL reason codes DigiCert accepts). */
export enum RevocationReason {
  UNSPECIFIED = "UNSPECIFIED",
  KEY_COMPROMISE = "KEY_COMPROMISE",
  AFFILIATION_CHANGED = "AFFILIATION_CHANGED",
  SUPERSEDED = "SUPERSEDED",
  CESSATION_OF_OPERATION = "CESSATION_OF_OPERATION",
}

registerEnumType(RevocationReason, {
  name: "RevocationReason",
  description:
    "Why the certificates are revoked. DigiCert records it only for TLS/SSL certificates and ignores it for other types.",
  valuesConfig: {
    UNSPECIFIED: { description: "No particular reason; DigiCert's default when none is sent." },
    KEY_COMPROMISE: { description: "The private key is known or suspected to be compromised." },
    AFFILIATION_CHANGED: { description: "The subject's name or other identity information changed." },
    SUPERSEDED: { description: "The certificate was replaced by a new one." },
    CESSATION_OF_OPERATION: { description: "The certificate is no longer needed, for example the domain is retired." },
  },
});

/** State of a revocation request in DigiCert's approval workflow. */
export enum RevokeRequestStatus {
  SUBMITTED = "SUBMITTED",
  PENDING = "PENDING",
  APPROVED = "APPROVED",
  REJECTED = "REJECTED",
}

registerEnumType(RevokeRequestStatus, {
  name: "RevokeRequestStatus",
  description: "State of a revocation request in DigiCert's approval workflow.",
  valuesConfig: {
    SUBMITTED: { description: "Submitted and not yet waiting for an administrator." },
    PENDING: {
      description: "Waiting for an administrator to approve or reject it. A new request is PENDING; nothing is revoked yet.",
    },
    APPROVED: { description: "Approved by an administrator: DigiCert revokes the certificates." },
    REJECTED: { description: "Rejected by an administrator: nothing is revoked." },
  },
});
