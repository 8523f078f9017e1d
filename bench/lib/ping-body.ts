/**
 * The request body both the ceiling and Samvad's no-op ping route are loaded with: a realistic
 * ~500-byte Interakt-style send payload that passes PingBody (src/public-api/ping.ts), the schema both routes validate.
 */
export const PING_BODY = JSON.stringify({
  fullPhoneNumber: '919876543210',
  callbackData: 'order_48213|cart_recovery|utm_source=shopify&utm_campaign=diwali_sale&utm_medium=whatsapp',
  type: 'Text',
  data: {
    message:
      'Hi Priya, your order #48213 from Acme Naturals has been packed and will be shipped today. ' +
      'Track it any time at https://acme.example/track/48213 — reply HELP to reach our team, or STOP ' +
      'to opt out of order updates on WhatsApp. Delivery is expected within 3-5 working days in Bengaluru. ' +
      'Thank you for shopping with us!',
  },
});
