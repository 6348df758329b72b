// Command gen makes the demo's product pictures (server/seed/pictures/*.jpg)
// from OpenMoji's colour SVGs: for each picture the demo catalogue needs
// (package pictures says which emoji each product gets), the emoji
// rasterised at 300 pixels, centred on a 480×480 square of its category's
// colour, encoded as JPEG. It is run by hand, after changing the demo
// catalogue or the mapping:
//
//	dir=$(mktemp -d) && (cd "$dir" && npm pack openmoji@17.0.0 && tar xzf openmoji-17.0.0.tgz)
//	go run ./server/seed/pictures/gen -openmoji "$dir/package" -out server/seed/pictures
//
// OpenMoji's npm package holds SVGs only (no PNGs); they are rasterised
// with oksvg. Pictures no product uses any more are deleted from -out.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"log"
	"os"
	"path/filepath"
	"slices"

	"github.com/srwiley/oksvg"
	"github.com/srwiley/rasterx"

	"wemart/server/seed"
	"wemart/server/seed/pictures"
)

// emojiSize is the emoji's side on the picture.
const emojiSize = 300

// quality is the JPEG quality: the pictures are flat colours, and the
// whole set is kept under 2 MB.
const quality = 80

func main() {
	openmoji := flag.String("openmoji", "", "the openmoji npm package's directory (holding color/svg/)")
	out := flag.String("out", "server/seed/pictures", "where the pictures go")
	flag.Parse()
	if *openmoji == "" {
		log.Fatal("-openmoji is required (see go doc ./server/seed/pictures/gen)")
	}
	want := map[string]pictures.Category{} // file → category
	emojiOf := map[string]string{}
	for _, item := range seed.DemoProducts() {
		for _, c := range pictures.Categories {
			if c.Name == item.Category {
				e := pictures.Emoji(c, item.Title)
				f := pictures.File(c, e)
				want[f], emojiOf[f] = c, e
			}
		}
		if pictures.For(item.Category, item.Title) == "" {
			log.Fatalf("no pictures for category %q", item.Category)
		}
	}
	files := make([]string, 0, len(want))
	for f := range want {
		files = append(files, f)
	}
	slices.Sort(files)
	total := 0
	for _, f := range files {
		svg := filepath.Join(*openmoji, "color", "svg", emojiOf[f]+".svg")
		data, err := picture(svg, want[f].Background)
		if err != nil {
			log.Fatalf("%s: %v", f, err)
		}
		if err := os.WriteFile(filepath.Join(*out, f), data, 0o644); err != nil {
			log.Fatal(err)
		}
		total += len(data)
	}
	old, _ := filepath.Glob(filepath.Join(*out, "*.jpg"))
	for _, path := range old {
		if _, ok := want[filepath.Base(path)]; !ok {
			fmt.Println("removing", path)
			os.Remove(path)
		}
	}
	fmt.Printf("%d pictures, %d bytes in all\n", len(files), total)
}

// picture draws the emoji of the SVG file svg on bg.
func picture(svg string, bg color.RGBA) ([]byte, error) {
	icon, err := oksvg.ReadIcon(svg, oksvg.StrictErrorMode)
	if err != nil {
		// Some SVGs use what oksvg does not know (it says which); drawing
		// what it does know is close enough for a demo picture.
		if icon, err = oksvg.ReadIcon(svg, oksvg.IgnoreErrorMode); err != nil {
			return nil, err
		}
	}
	m := image.NewRGBA(image.Rect(0, 0, pictures.Size, pictures.Size))
	draw.Draw(m, m.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
	// OpenMoji draws on a 72×72 grid with some margin; scale it so the
	// emoji is emojiSize across, centred.
	off := float64(pictures.Size-emojiSize) / 2
	icon.SetTarget(off, off, emojiSize, emojiSize)
	scanner := rasterx.NewScannerGV(pictures.Size, pictures.Size, m, m.Bounds())
	icon.Draw(rasterx.NewDasher(pictures.Size, pictures.Size, scanner), 1)
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: quality}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
