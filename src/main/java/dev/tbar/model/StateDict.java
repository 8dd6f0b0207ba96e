package dev.tbar.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Named tensors of a model, in a stable order, with PyTorch-style names ({@code layer1.0.conv1.weight}). Entries are
 * either trainable parameters or buffers (BatchNorm running statistics, integer ids): only parameters receive
 * gradients and only parameters belong to a task vector.
 */
public final class StateDict implements AutoCloseable {
    private final NDManager manager;
    private final LinkedHashMap<String, NDArray> tensors = new LinkedHashMap<>();
    private final Set<String> buffers = new LinkedHashSet<>();

    public StateDict(NDManager parent) {
        this.manager = parent.newSubManager();
    }

    /** The manager owning this state's tensors; closing the state frees them. */
    public NDManager manager() {
        return manager;
    }

    /** Stores a parameter; the array is moved to this state's manager. */
    public StateDict putParameter(String name, NDArray value) {
        return put(name, value, false);
    }

    public StateDict putBuffer(String name, NDArray value) {
        return put(name, value, true);
    }

    public StateDict put(String name, NDArray value, boolean buffer) {
        value.attach(manager);
        NDArray old = tensors.put(name, value);
        if (old != null && old != value) {
            old.close();
        }
        if (buffer) {
            buffers.add(name);
        } else {
            buffers.remove(name);
        }
        return this;
    }

    public NDArray get(String name) {
        NDArray a = tensors.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no tensor named '" + name + "' in this state");
        }
        return a;
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    public boolean isBuffer(String name) {
        return buffers.contains(name);
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(tensors.keySet());
    }

    /** Names of trainable parameters, in order. */
    public Set<String> parameterNames() {
        Set<String> out = new LinkedHashSet<>(tensors.keySet());
        out.removeAll(buffers);
        return out;
    }

    public Map<String, NDArray> asMap() {
        return Collections.unmodifiableMap(tensors);
    }

    public int size() {
        return tensors.size();
    }

    /** A deep copy with gradients detached, owned by {@code parent}. */
    public StateDict copy(NDManager parent) {
        StateDict out = new StateDict(parent);
        tensors.forEach((k, v) -> {
            NDArray dup = v.duplicate(); // joins this state's manager: close it once its detached view is kept
            out.put(k, dup.stopGradient(), buffers.contains(k));
            dup.close();
        });
        return out;
    }

    /**
     * A view of this state with {@code replacements} in place of some of its tensors, owned by {@code parent}. The
     * other tensors are this state's own arrays, shared: closing the view frees only the replacements, which it takes
     * over. Used within one training step (adversarial perturbations of the weights, gradients on fresh leaves).
     */
    public StateDict overlay(NDManager parent, Map<String, NDArray> replacements) {
        StateDict view = new StateDict(parent);
        tensors.forEach((k, a) -> {
            NDArray r = replacements.get(k);
            if (r != null) {
                r.attach(view.manager);
            }
            view.tensors.put(k, r != null ? r : a);
            if (buffers.contains(k)) {
                view.buffers.add(k);
            }
        });
        return view;
    }

    /**
     * A view whose parameters are detached from autograd (sharing their storage, no copy): a pass through it records
     * no gradient for this state's parameters. Buffers are shared, so a training-mode pass still moves them.
     */
    public StateDict detached(NDManager parent) {
        Map<String, NDArray> d = new LinkedHashMap<>();
        for (String k : parameterNames()) {
            d.put(k, tensors.get(k).stopGradient());
        }
        return overlay(parent, d);
    }

    /** A deep copy on the same parent manager as this one. */
    public StateDict copy() {
        return copy(manager.getParentManager());
    }

    /** Total number of scalar values in trainable parameters. */
    public long parameterCount() {
        long n = 0;
        for (String k : parameterNames()) {
            n += tensors.get(k).size();
        }
        return n;
    }

    @Override
    public void close() {
        manager.close();
    }
}
