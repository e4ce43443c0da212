package assets

// The PNGs are rendered from the SVG sources with rsvg-convert (Debian:
// librsvg2-bin); then all four files are bundled into bundled.go.
//
//go:generate rsvg-convert -w 512 -h 512 icon.svg -o icon.png
//go:generate rsvg-convert -w 64 -h 64 tray.svg -o tray.png
//go:generate go run fyne.io/tools/cmd/fyne@v1.7.4 bundle -o bundled.go --package assets --name resourceIconSvg icon.svg
//go:generate go run fyne.io/tools/cmd/fyne@v1.7.4 bundle -o bundled.go --package assets --name resourceIconPng --append icon.png
//go:generate go run fyne.io/tools/cmd/fyne@v1.7.4 bundle -o bundled.go --package assets --name resourceTrayPng --append tray.png
