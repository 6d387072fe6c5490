// The 201 body of DigiCert's `PUT /order/certificate/{order_id}/revoke`, as the fake
// upstream and the GraphQL floor return it.

/** Returns a function that builds one revocation request body per call, with ids from 5001 up. */
export function revocationRequestBodies() {
  let nextRequestId = 5001;
  return (comments) => {
    const body = {
      id: nextRequestId,
      date: "2026-12-04T09:30:00+00:00",
      type: "revoke",
      status: "pending",
      requester: { id: 101, first_name: "Ada", last_name: "Admin", email: "ada.admin@example.com" },
    };
    nextRequestId += 1;
    if (typeof comments === "string") body.comments = comments;
    return JSON.stringify(body);
  };
}
