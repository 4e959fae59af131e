// What the declarations must refuse: each line marked below is a compile error.
import { Router, encode } from "event-contracts";

const router = new Router({ secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] });
router.on("payments.payment_failed.v1", (payment) => {
  console.log(payment.no_such_field); // MISUSE: a field the schema does not have
});
router.on("payments.no_such_event.v1", () => {}); // MISUSE: an event not in the registry
encode("payments.payment_failed.v1", {
  payment_id: "7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d",
  order_id: "9b2f8c1e-1d2a-4c3b-8e4f-5a6b7c8d9e0f",
  code: "no_such_code", // MISUSE: a value outside the enum
  retryable: true,
  attempt: 1,
});
encode("payments.payment_failed.v1", { payment_id: "x" }); // MISUSE: required fields missing
