/**
 * The public pages' one script, `/answer.js` (bundled by apps/cli/buildtools/answerScript.ts). It
 * enhances what is on the page and nothing else; every page works without it.
 * - the answer form: seals the answer in this browser (answerForm.ts);
 * - the answer-sent page: completes the private link with the key kept here;
 * - the private reply page of such a key: opens the hosts' reply here (replyPage.ts).
 *
 * Runs in: browsers.
 */
import { completePrivateLink, enhanceAnswerForm } from "./answerForm.ts";
import { openReplyPage } from "./replyPage.ts";

for (const form of document.querySelectorAll<HTMLFormElement>("form[data-answer]")) enhanceAnswerForm(form);
for (const link of document.querySelectorAll<HTMLAnchorElement>("a[data-private-link]"))
  completePrivateLink(link);
const reply = document.getElementById("reply-state");
if (reply) void openReplyPage(reply);
