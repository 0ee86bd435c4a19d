//! Conversation attributes (`GET`/`POST /conversations/attributes`, their options) and a
//! conversation's custom attributes (`PUT /conversations/{id}`). (Being built: see issue 21.)
