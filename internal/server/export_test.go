package server

// ForgotAnswerTime is forgotAnswerTime, for the hardening tests.
const ForgotAnswerTime = forgotAnswerTime
