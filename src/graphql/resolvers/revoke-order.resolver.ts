import { Args, Ctx, Mutation, Resolver } from "type-graphql";
import type { RevocationRequest } from "../../digicert/revoke-order.js";
import { requireDigicert, type GatewayContext } from "../context.js";
import { RevocationReason, RevokeRequestStatus } from "../types/enums.js";
import { RevokedImmediately, RevokeOrderResult, RevokeRequest } from "../types/revoke-order-result.js";
import { orderReference } from "../types/order.js";
import { toUser } from "../types/user.js";
import { RevokeOrderArgs } from "./revoke-order.args.js";
import { assertNever, toDigicertReason, validateComment, validateOrderId } from "./revoke-order.validation.js";

/** Builds a RevokeRequest from the 201 body of a revocation. */
function toRevokeRequest(request: RevocationRequest, orderId: string): RevokeRequest {
  const requester = toUser(request.requester);
  return Object.assign(new RevokeRequest(), {
    id: String(request.id),
    date: request.date,
    status: toRequestStatus(request.status),
    requester,
    comments: request.comments,
    orderId,
    order: orderReference(orderId),
    processedDate: null,
    processor: null,
    processorComment: null,
  });
}

/** Converts DigiCert's request status to the GraphQL enum. */
export function toRequestStatus(status: RevocationRequest["status"]): RevokeRequestStatus {
  switch (status) {
    case "submitted":
      return RevokeRequestStatus.SUBMITTED;
    case "pending":
      return RevokeRequestStatus.PENDING;
    case "approved":
      return RevokeRequestStatus.APPROVED;
    case "rejected":
      return RevokeRequestStatus.REJECTED;
    default:
      return assertNever(status);
  }
}

@Resolver()
export class RevokeOrderResolver {
  @Mutation(() => RevokeOrderResult, {
    description:
      "Revokes every certificate of a DigiCert order, duplicates and reissues included. Revocation is permanent. " +
      "Needs the caller's CertCentral API key in the X-DC-DEVKEY header. The request is sent to DigiCert exactly once and never retried: " +
      "when an error says the outcome is unknown, check the order before trying again.",
  })
  async revokeOrder(
    @Args(() => RevokeOrderArgs) { orderId, reason, comment, skipApproval }: RevokeOrderArgs,
    @Ctx() context: GatewayContext,
  ): Promise<RevokeRequest | RevokedImmediately> {
    const validOrderId = validateOrderId(orderId);
    const validComment = comment == null ? undefined : validateComment(comment);
    const digicert = requireDigicert(context);

    const result = await digicert.revokeOrder(validOrderId, {
      reason: reason == null ? undefined : toDigicertReason(reason),
      comments: validComment,
      skipApproval: skipApproval ?? undefined,
    });

    // The member follows DigiCert's status, never the skipApproval flag that was sent.
    switch (result.kind) {
      case "request-created":
        return toRevokeRequest(result.request, validOrderId);
      case "revoked":
        return Object.assign(new RevokedImmediately(), {
          orderId: validOrderId,
          reason: reason ?? RevocationReason.UNSPECIFIED,
          confirmationReceivedAt: result.confirmationReceivedAt,
          order: orderReference(validOrderId),
        });
      default:
        return assertNever(result);
    }
  }
}
