//! Fuzz target: the WhatsApp webhook envelope parser must never panic, whatever Meta (or an
//! attacker with a valid signature) sends, and every event it returns must be usable.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(events) = helixai::whatsapp::parse(data) {
        for e in events {
            let _ = e.phone_number_id();
            if let helixai::whatsapp::WebhookEvent::Inbound(m) = &e {
                let _ = (m.text_for_bot(), m.kind_name(), m.raw_json());
            }
        }
    }
});
