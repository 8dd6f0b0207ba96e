package dev.tbar.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The first-order Taylor expansion of a classifier around anchor weights theta0:
 * {@code f_lin(x; theta) = f(x; theta0) + J(x; theta0) (theta - theta0)}, with the base model in eval mode
 * (BatchNorm uses theta0's running statistics; the {@code training} flag and the buffers of {@code theta} are
 * ignored). Plugs into the one training loop as an ordinary classifier: its logits have the value of f_lin and, when
 * the parameters record gradients, the gradient {@code J(theta0)^T dL/df_lin}, so any loss on them trains the
 * linearized model.
 *
 * <p>The value's Jacobian-vector product is a float64 central difference ({@link #jvp}); the gradient is exact reverse
 * mode: f is evaluated at {@code phi = theta0 + (theta - stopGradient(theta))}, whose value is theta0 and whose
 * derivative in theta is the identity, and {@code f(phi) - stopGradient(f(phi))}, zero in value, is added to the
 * logits. Each call costs two float64 forwards and, while training, one float32 forward-backward more than f.
 */
public final class Linearized implements ImageClassifier {
    /** Relative central-difference step of {@link #jvp}. */
    static final double RELATIVE_STEP = 1e-7;

    private final ImageClassifier base;
    private final StateDict anchor;

    /** Linearizes {@code base} around {@code anchor}, which the caller keeps open (and owns) while this is used. */
    public Linearized(ImageClassifier base, StateDict anchor) {
        this.base = base;
        this.anchor = anchor;
    }

    /** f(x; at) and the directional derivative J(x; at) v, both detached, owned by {@code pixels}' manager. */
    public record Jvp(NDArray value, NDArray tangent) {}

    @Override
    public String name() {
        return base.name() + "-linearized";
    }

    @Override
    public int numClasses() {
        return base.numClasses();
    }

    @Override
    public int[] inputShape() {
        return base.inputShape();
    }

    @Override
    public Map<String, Shape> parameterShapes() {
        return base.parameterShapes();
    }

    @Override
    public Map<String, Shape> bufferShapes() {
        return base.bufferShapes();
    }

    /** The anchor itself: a linearized model starts where it is expanded (the seed draws nothing). */
    @Override
    public StateDict initialize(NDManager manager, long seed) {
        return anchor.copy(manager);
    }

    @Override
    public NDArray forward(StateDict weights, NDArray pixels, boolean training) {
        NDManager caller = pixels.getManager();
        try (NDManager tmp = caller.newSubManager()) {
            lend(tmp, pixels, anchor, weights.asMap().values());
            Map<String, NDArray> delta = new LinkedHashMap<>();
            boolean records = false;
            for (String name : anchor.parameterNames()) {
                NDArray w = weights.get(name);
                records |= w.hasGradient();
                delta.put(name, w.stopGradient().sub(anchor.get(name)));
            }
            Jvp j = jvp(base, anchor, delta, pixels);
            NDArray out = j.value().add(j.tangent());
            if (records) {
                try (StateDict phi = new StateDict(tmp)) {
                    for (String name : anchor.names()) {
                        NDArray a = anchor.get(name);
                        if (anchor.isBuffer(name)) {
                            phi.putBuffer(name, a.duplicate());
                        } else {
                            NDArray w = weights.get(name);
                            phi.putParameter(name, a.add(w.sub(w.stopGradient())));
                        }
                    }
                    NDArray y = base.forward(phi, pixels, false);
                    out = out.add(y.sub(y.stopGradient()));
                }
            }
            out.attach(caller);
            return out;
        }
    }

    /**
     * The Jacobian-vector product of {@code model}'s eval-mode logits at weights {@code at} along {@code direction}
     * (one tensor per parameter of {@code at}), by a central difference in float64 along the unit direction, with a
     * step of {@value #RELATIVE_STEP} times the weights' norm: truncation (~step^2) and rounding (~1e-16 / step) both
     * lie far below float32 resolution; in the tests it matches double-backward autodiff to float32 precision.
     * Scaling the unit-direction difference by the direction's norm makes the result exactly linear in its length.
     *
     * <p>Why not double backward: without autograd.grad (DJL has none), a create_graph backward stores the gradient's
     * graph on the parameter leaves, a reference cycle PyTorch never frees; measured here, every call leaked the
     * whole pass (about 7 MB for ResNet-8 with a batch of 64 at 8x8, 26 MB at 16x16).
     */
    public static Jvp jvp(ImageClassifier model, StateDict at, Map<String, NDArray> direction, NDArray pixels) {
        NDManager caller = pixels.getManager();
        try (NDManager tmp = caller.newSubManager(); GradMode.AutoCloseableNoThrow off = GradMode.disabled()) {
            lend(tmp, pixels, at, direction.values());
            NDArray value = model.forward(at, pixels, false).stopGradient();
            double vv = 0;
            double ww = 0;
            for (String name : at.parameterNames()) {
                NDArray v = direction.get(name);
                if (v == null) {
                    throw new IllegalArgumentException("direction has no tensor for parameter '" + name + "'");
                }
                vv += sumOfSquares(v);
                ww += sumOfSquares(at.get(name));
            }
            NDArray tangent;
            if (vv == 0) {
                tangent = value.zerosLike();
            } else {
                double norm = Math.sqrt(vv);
                double step = RELATIVE_STEP * Math.max(1, Math.sqrt(ww));
                NDArray x = pixels.toType(DataType.FLOAT64, false);
                NDArray plus = shifted(model, at, direction, step / norm, x);
                NDArray minus = shifted(model, at, direction, -step / norm, x);
                tangent = plus.sub(minus).mul(norm / (2 * step)).toType(value.getDataType(), false);
            }
            Jvp out = new Jvp(value, tangent);
            value.attach(caller);
            tangent.attach(caller);
            return out;
        }
    }

    /** Float64 logits at {@code at + scale * direction}. */
    private static NDArray shifted(ImageClassifier model, StateDict at, Map<String, NDArray> direction, double scale,
            NDArray pixels64) {
        try (StateDict w = new StateDict(pixels64.getManager())) {
            for (String name : at.names()) {
                NDArray a = at.get(name);
                boolean real = a.getDataType().isFloating();
                NDArray t = real ? a.toType(DataType.FLOAT64, true) : a.duplicate();
                if (real && !at.isBuffer(name)) {
                    t = t.add(direction.get(name).toType(DataType.FLOAT64, false).mul(scale));
                }
                w.put(name, t, at.isBuffer(name));
            }
            NDArray y = model.forward(w, pixels64, false);
            y.attach(pixels64.getManager());
            return y;
        }
    }

    private static double sumOfSquares(NDArray a) {
        return a.toType(DataType.FLOAT64, false).square().sum().getDouble();
    }

    /**
     * Lends long-lived arrays to {@code tmp} for the duration of a call: ops join their first operand's manager, so
     * whatever is computed from them is then freed with {@code tmp}; they return to their owners when it closes.
     */
    private static void lend(NDManager tmp, NDArray pixels, StateDict state, Collection<NDArray> more) {
        Set<NDArray> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        seen.add(pixels);
        seen.addAll(state.asMap().values());
        seen.addAll(more); // once each: the same array may be in both (the anchor as weights)
        tmp.tempAttachAll(seen.toArray(new NDArray[0]));
    }
}
