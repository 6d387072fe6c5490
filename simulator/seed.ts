/** Permission level of a simulated CertCentral user, which its API key inherits. */
export type Role = "administrator" | "user" | "view_only";

export interface SimulatedUser {
  id: number;
  first_name: string;
  last_name: string;
  email: string;
  role: Role;
}

export interface SimulatedRequest {
  id: number;
  date: string;
  type: "revoke" | "new_request" | "reissue" | "duplicate";
  status: "pending" | "approved" | "rejected";
  requester: SimulatedUser;
  comments?: string;
  order_id: number;
  /** Set once an administrator approved or rejected the request. */
  date_processed?: string;
  processor?: SimulatedUser;
  processor_comment?: string;
}

export interface SimulatedOrder {
  id: number;
  common_name: string;
  status: "issued" | "revoked" | "pending";
  requests: SimulatedRequest[];
}

/** Seeded API keys. They are fake and work only against the simulator. */
export const SEEDED_KEYS = {
  administrator: "sim-admin-0a1b2c3d4e5f",
  user: "sim-user-1a2b3c4d5e6f",
  viewOnly: "sim-viewonly-2a3b4c5d6e7f",
} as const;

export function seedUsers(): Map<string, SimulatedUser> {
  return new Map<string, SimulatedUser>([
    [SEEDED_KEYS.administrator, { id: 101, first_name: "Ada", last_name: "Admin", email: "ada.admin@example.com", role: "administrator" }],
    [SEEDED_KEYS.user, { id: 102, first_name: "Uma", last_name: "User", email: "uma.user@example.com", role: "user" }],
    [SEEDED_KEYS.viewOnly, { id: 103, first_name: "Vic", last_name: "Viewer", email: "vic.viewer@example.com", role: "view_only" }],
  ]);
}

/**
 * Seeded orders: 1001–1008 issued and revocable, 1009 already revoked (its issuance
 * request 3001 and approved revocation request 3002), 1010 issued with revocation
 * request 4001 pending.
 */
export function seedOrders(users: Map<string, SimulatedUser>): Map<number, SimulatedOrder> {
  const orders = new Map<number, SimulatedOrder>();
  for (let id = 1001; id <= 1008; id += 1) {
    orders.set(id, { id, common_name: `www${id - 1000}.example.com`, status: "issued", requests: [] });
  }
  const administrator = users.get(SEEDED_KEYS.administrator);
  const seededRequester = users.get(SEEDED_KEYS.user);
  if (administrator === undefined || seededRequester === undefined) throw new Error("seed user missing");
  orders.set(1009, {
    id: 1009,
    common_name: "retired.example.com",
    status: "revoked",
    requests: [
      { id: 3001, date: "2026-10-01T08:00:00+00:00", type: "new_request", status: "approved", requester: seededRequester, order_id: 1009, date_processed: "2026-10-01T09:00:00+00:00", processor: administrator },
      {
        id: 3002,
        date: "2026-11-02T10:30:00+00:00",
        type: "revoke",
        status: "approved",
        requester: seededRequester,
        comments: "Domain retired",
        order_id: 1009,
        date_processed: "2026-11-02T11:00:00+00:00",
        processor: administrator,
        processor_comment: "Approved",
      },
    ],
  });

  const requester = users.get(SEEDED_KEYS.user);
  if (requester === undefined) throw new Error("seed user missing");
  orders.set(1010, {
    id: 1010,
    common_name: "pending.example.com",
    status: "issued",
    requests: [
      { id: 4001, date: "2026-11-30T09:15:00+00:00", type: "revoke", status: "pending", requester, comments: "Seeded pending request", order_id: 1010 },
    ],
  });
  return orders;
}
