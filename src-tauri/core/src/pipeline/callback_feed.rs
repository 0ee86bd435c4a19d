//! What the processor tells the call-back list: a missed call or voicemail opens an item, a
//! later answered or outbound call with the number closes it. (Being built: see issue 21.)
