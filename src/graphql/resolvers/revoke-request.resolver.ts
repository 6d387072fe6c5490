import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import type { RequestDetails } from "../../digicert/reads.js";
import { ErrorCode, RevocationOutcome } from "../../errors/codes.js";
import { GatewayError } from "../../errors/gateway-error.js";
import { requireDigicert, type GatewayContext } from "../context.js";
import { DateTimeScalar } from "../types/date-time.js";
import { Order, orderReference } from "../types/order.js";
import { RevokeRequest } from "../types/revoke-order-result.js";
import { toUser, User } from "../types/user.js";
import { toRequestStatus } from "./revoke-order.resolver.js";
import { validateDigicertId } from "./revoke-order.validation.js";

/** Builds a complete RevokeRequest from `GET /request/{id}`. */
function fromDetails(details: RequestDetails): RevokeRequest {
  if (details.requester === null || details.orderId === null) {
    throw new GatewayError(
      ErrorCode.UPSTREAM_ERROR,
      `DigiCert's request ${details.id} has no ${details.requester === null ? "requester" : "order"}, which every revocation request has. A read changes nothing; try again later.`,
      { revocationOutcome: RevocationOutcome.NOT_REVOKED },
    );
  }
  return Object.assign(new RevokeRequest(), {
    id: String(details.id),
    date: details.date,
    status: toRequestStatus(details.status),
    requester: toUser(details.requester),
    comments: details.comments,
    orderId: String(details.orderId),
    order: orderReference(details.orderId),
    processedDate: details.processedDate,
    processor: details.processor === null ? null : toUser(details.processor),
    processorComment: details.processorComment,
    complete: true,
  });
}

/**
 * Loads a revocation request by id for this caller; null when DigiCert has none, or
 * when the request is of another type (issuance, reissue, duplicate).
 */
export async function loadRevokeRequest(id: string, context: GatewayContext, argumentName = "id"): Promise<RevokeRequest | null> {
  const validId = validateDigicertId(argumentName, id, "request");
  const details = await requireDigicert(context).requestLoader.load(validId);
  return details === null || details.type !== "revoke" ? null : fromDetails(details);
}

/** Reads the fields an order's requests[] summary leaves out. */
async function completed(request: RevokeRequest, context: GatewayContext): Promise<RevokeRequest> {
  if (request.complete) return request;
  const loaded = await loadRevokeRequest(request.id, context);
  if (loaded === null) {
    throw new GatewayError(
      ErrorCode.UPSTREAM_ERROR,
      `DigiCert listed request ${request.id} on order ${request.orderId} but has no such revocation request. A read changes nothing; try again later.`,
      { revocationOutcome: RevocationOutcome.NOT_REVOKED },
    );
  }
  return loaded;
}

@Resolver(() => RevokeRequest)
export class RevokeRequestResolver {
  @Query(() => RevokeRequest, {
    nullable: true,
    description:
      "Reads a revocation request by id, to follow it after revokeOrder: null when DigiCert has no such request for the caller's key, or it is not a revocation request. Needs X-DC-DEVKEY.",
  })
  async revokeRequest(
    @Arg("id", () => ID, { description: "DigiCert request id, as revokeOrder returned it." }) id: string,
    @Ctx() context: GatewayContext,
  ): Promise<RevokeRequest | null> {
    return loadRevokeRequest(id, context);
  }

  @FieldResolver(() => User)
  async requester(@Root() request: RevokeRequest, @Ctx() context: GatewayContext): Promise<User> {
    return (await completed(request, context)).requester;
  }

  @FieldResolver(() => DateTimeScalar, { nullable: true })
  async processedDate(@Root() request: RevokeRequest, @Ctx() context: GatewayContext): Promise<Date | null> {
    return (await completed(request, context)).processedDate;
  }

  @FieldResolver(() => User, { nullable: true })
  async processor(@Root() request: RevokeRequest, @Ctx() context: GatewayContext): Promise<User | null> {
    return (await completed(request, context)).processor;
  }

  @FieldResolver(() => String, { nullable: true })
  async processorComment(@Root() request: RevokeRequest, @Ctx() context: GatewayContext): Promise<string | null> {
    return (await completed(request, context)).processorComment;
  }
}

@Resolver(() => Order)
export class OrderResolver {
  @FieldResolver(() => [RevokeRequest], {
    description:
      "The order's revocation requests, oldest first, from DigiCert's order details (other request types left out). Needs X-DC-DEVKEY.",
  })
  async revokeRequests(@Root() order: Order, @Ctx() context: GatewayContext): Promise<RevokeRequest[]> {
    const orderId = validateDigicertId("id", order.id, "order");
    const summaries = await requireDigicert(context).orderRequestsLoader.load(orderId);
    return summaries
      .filter((summary) => summary.type === "revoke")
      .map((summary) =>
        Object.assign(new RevokeRequest(), {
          id: String(summary.id),
          date: summary.date,
          status: toRequestStatus(summary.status),
          comments: summary.comments,
          orderId,
          order: orderReference(orderId),
          complete: false,
        }),
      );
  }
}
