package dev.tbar.data;

/**
 * One image as float pixels in [0, 1], channel-major (C, H, W): the form every attack and transform works on.
 * The array is owned by the image; operations return new images.
 */
public record Image(int channels, int height, int width, float[] pixels) {
    public Image {
        if (pixels.length != channels * height * width) {
            throw new IllegalArgumentException("pixel array has " + pixels.length + " values, expected " + channels
                    + "x" + height + "x" + width);
        }
    }

    public static Image blank(int channels, int height, int width) {
        return new Image(channels, height, width, new float[channels * height * width]);
    }

    public float get(int c, int y, int x) {
        return pixels[(c * height + y) * width + x];
    }

    public void set(int c, int y, int x, float v) {
        pixels[(c * height + y) * width + x] = v;
    }

    public Image copy() {
        return new Image(channels, height, width, pixels.clone());
    }

    /** Quantises to 8-bit, as an image file would store it. */
    public byte[] toBytes() {
        byte[] out = new byte[pixels.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Math.round(Math.max(0f, Math.min(1f, pixels[i])) * 255f);
        }
        return out;
    }

    public static Image fromBytes(int channels, int height, int width, byte[] bytes) {
        float[] p = new float[bytes.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = (bytes[i] & 0xff) / 255f;
        }
        return new Image(channels, height, width, p);
    }
}
