/**
 * Images and labels: readers, views, transforms and fingerprints.
 *
 * <p>{@link dev.tbar.data.Datasets#open} turns a {@link dev.tbar.data.DatasetConfig} into an
 * {@link dev.tbar.data.ImageDataset}. Formats ({@code data.format}):
 * <ul>
 *   <li>{@code synthetic}: generated shapes ({@link dev.tbar.data.Synthetic}), no files;</li>
 *   <li>{@code imagefolder}: {@code train/<class>/<image>} and {@code test/<class>/<image>}
 *       ({@link dev.tbar.data.ImageFolder});</li>
 *   <li>{@code gtsrb}: the official GTSRB layout, optionally cropped to each sign's region of interest
 *       ({@link dev.tbar.data.Gtsrb});</li>
 *   <li>{@code cifar10-bin}: CIFAR-10 binary batches ({@link dev.tbar.data.CifarBinary});</li>
 *   <li>{@code idx}: MNIST / Fashion-MNIST IDX files, grey; {@code data.channels: 3} makes them RGB
 *       ({@link dev.tbar.data.Idx}).</li>
 * </ul>
 * File formats read a directory or a {@code .tar}, {@code .tar.gz} or {@code .tar.xz} archive in place. Decoded
 * images are kept as 8-bit pixels and cached on disk ({@link dev.tbar.data.DecodeCache}: {@code data.cache},
 * {@code TBAR_CACHE_DIR}, default {@code ~/.cache/tbar/datasets}), so a second run skips decoding.
 *
 * <p>{@link dev.tbar.data.Datasets#split} and {@link dev.tbar.data.Datasets#sample} make seeded, class-stratified
 * {@link dev.tbar.data.Subset} views; {@link dev.tbar.data.DatasetHash} fingerprints the exact pixels and labels for
 * run manifests; {@link dev.tbar.data.Transforms} has the resize, crop and flip transforms.
 */
package dev.tbar.data;
