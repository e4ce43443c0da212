// Package assets holds the cardagent icons as Fyne resources.
//
// The sources are the SVG files in this directory; icon.png and tray.png are
// rendered from them (see gen.go) and everything is bundled into bundled.go,
// which is generated and committed.
package assets

import "fyne.io/fyne/v2"

// Icon is the application icon (a smartcard on NHS blue), scalable, for use
// inside windows.
var Icon fyne.Resource = resourceIconSvg

// IconPNG is the application icon as a 512×512 PNG: the window and package
// icon (FyneApp.toml points at icon.png).
var IconPNG fyne.Resource = resourceIconPng

// TrayIcon is the system tray variant: the card alone, bold enough for a
// 16–24 px panel. It is a PNG because Linux tray hosts take bitmaps.
var TrayIcon fyne.Resource = resourceTrayPng
