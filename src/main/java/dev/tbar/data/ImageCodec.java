package dev.tbar.data;

import dev.tbar.TbarException;
import dev.tbar.util.Errors;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/** Decodes image files (JPEG, PNG, PPM through the TwelveMonkeys plug-in) to 8-bit RGB (C, H, W) bytes. */
public final class ImageCodec {
    static {
        ImageIO.setUseCache(false);
        ImageIO.scanForPlugins();
    }

    private ImageCodec() {}

    public static BufferedImage decode(byte[] content, String name) {
        try {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(content));
            if (img == null) {
                throw new TbarException(name + ": not a readable image (expected JPEG, PNG or PPM)");
            }
            return img;
        } catch (IOException e) {
            throw new TbarException(name + ": cannot decode image: " + Errors.reason(e), e);
        }
    }

    /** Crops (optionally) and resizes with bilinear filtering to {@code size} x {@code size}. */
    public static BufferedImage resize(BufferedImage img, int x0, int y0, int x1, int y1, int size) {
        if (x0 == 0 && y0 == 0 && x1 == img.getWidth() && y1 == img.getHeight() && img.getWidth() == size
                && img.getHeight() == size) {
            return img;
        }
        BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        var g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.drawImage(img, 0, 0, size, size, x0, y0, x1, y1, null);
        g.dispose();
        return out;
    }

    /** RGB bytes in channel-major order. */
    public static byte[] toChw(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        byte[] out = new byte[3 * w * h];
        int plane = w * h;
        for (int i = 0; i < plane; i++) {
            int p = argb[i];
            out[i] = (byte) (p >> 16);
            out[plane + i] = (byte) (p >> 8);
            out[2 * plane + i] = (byte) p;
        }
        return out;
    }

    /** Encodes an image as PNG bytes (for reports and trigger previews). */
    public static byte[] toPng(Image image) {
        BufferedImage out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        byte[] b = image.toBytes();
        int plane = image.width() * image.height();
        for (int i = 0; i < plane; i++) {
            int r = b[i] & 0xff;
            int g = image.channels() == 3 ? b[plane + i] & 0xff : r;
            int bl = image.channels() == 3 ? b[2 * plane + i] & 0xff : r;
            out.setRGB(i % image.width(), i / image.width(), (r << 16) | (g << 8) | bl);
        }
        var bytes = new java.io.ByteArrayOutputStream();
        try {
            ImageIO.write(out, "png", bytes);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }
}
