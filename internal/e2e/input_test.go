package e2e

import (
	"context"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// typeText types text into the first visible element matching sel, as a
// paste or an input method does: one input event for the whole text.
// chromedp.SendKeys sends three key events a character, each a round trip
// through the renderer's input pipeline (about 7 ms of chromium's CPU a
// character), and no page of these journeys acts on single keys.
func typeText[S chromedp.Selectable](sel S, text string) chromedp.Action[chromedp.Void] {
	focus := chromedp.Focus(sel, chromedp.NodeVisible)
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := focus(ctx, t); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: text})
		return err
	})
}
