"""The mutation table: realistic bugs and accepted forms of every exercise, as edits of the answer key.

Each entry edits the answer key's solution (every ``(old, new)`` pair
replaces the one occurrence of ``old``). A **bug** is a mistake students
make; it must cost points in its exercise. A **variant** is a correct form
from another source (the book's code, the paper, PyTorch, another sign
convention), listed under "Accepted forms" in the exercise's file; it must
keep full marks, hidden checks included. ``tests/homework/test_mutations.py``
grades the whole table; the grader's tests plant the first bug of each
exercise.
"""

from minidl.homework import EXERCISES
from minidl.homework.assignment import key_source
from minidl.homework.derive import solution

BOOK_SOFTMAX = (("        shifted = x - x.max(axis=1, keepdims=True)\n        exponentials = np.exp(shifted)\n"
                 "        sums = exponentials.sum(axis=1, keepdims=True)\n        self.y = exponentials / sums\n"
                 "        self.t = t\n        rows = np.arange(x.shape[0])\n"
                 "        log_probabilities = shifted[rows, t] - np.log(sums[:, 0])\n"
                 "        self.loss = float(-log_probabilities.mean())\n"),
                ("        x = x - np.max(x, axis=-1, keepdims=True)\n"
                 "        self.y = np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)\n        self.t = t\n"
                 "        batch_size = self.y.shape[0]\n"
                 "        self.loss = -np.sum(np.log(self.y[np.arange(batch_size), t] + {offset})) / batch_size\n"))


def book_softmax(offset):
    old, new = BOOK_SOFTMAX
    return ((old, new.format(offset=offset)),)


ADAM_STEP = ("            m_hat = self.m[key] / (1 - self.beta1**self.iter)\n"
             "            v_hat = self.v[key] / (1 - self.beta2**self.iter)\n"
             "            params[key] -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)\n")
ADAM_MOMENTS = ("            self.m[key] = self.beta1 * self.m[key] + (1 - self.beta1) * grads[key]\n"
                "            self.v[key] = self.beta2 * self.v[key] + (1 - self.beta2) * grads[key] * grads[key]\n")
NUMERICAL_LOOP = ("    for index in np.ndindex(x.shape):\n        saved = x[index]\n        x[index] = saved + h\n"
                  "        f_plus = f(x)\n        x[index] = saved - h\n        f_minus = f(x)\n        x[index] = saved\n"
                  "        gradient[index] = (f_plus - f_minus) / (2 * h)\n")
MOMENTUM_STEP = ("            self.v[key] = self.momentum * self.v[key] - self.lr * grads[key]\n"
                 "            params[key] += self.v[key]\n")
NESTEROV_STEP = ("            self.v[key] = self.momentum * self.v[key] - self.lr * grads[key]\n"
                 "            params[key] += self.momentum * self.v[key] - self.lr * grads[key]\n")
MINIBATCH_LOOP = ("    for start in range(0, len(x), batch_size):\n"
                  "        yield x_shuffled[start : start + batch_size], t_shuffled[start : start + batch_size]\n")

IM2COL_FILL = ("    img = np.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)])\n"
               "    col = np.zeros((batch, channels, filter_h, filter_w, out_h, out_w), dtype=input_data.dtype)\n"
               "    for i in range(filter_h):\n        for j in range(filter_w):\n"
               "            col[:, :, i, j, :, :] = img[:, :, i : i + stride * out_h : stride, "
               "j : j + stride * out_w : stride]\n")
COL2IM_ADD = ("    img = np.zeros((batch, channels, height + 2 * pad, width + 2 * pad), dtype=col.dtype)\n"
              "    for i in range(filter_h):\n        for j in range(filter_w):\n"
              "            img[:, :, i : i + stride * out_h : stride, "
              "j : j + stride * out_w : stride] += col[:, :, i, j, :, :]\n")

#: exercise -> {"bugs": [...], "variants": [...]}, each a tuple of (old, new) replacements in the key's solution.
MUTATIONS = {
    "affine": {
        "bugs": [
            (("self.db = dout.sum(axis=0)", "self.db = dout.mean(axis=0)"),),
            (("self.dW = self.x.T @ dout", "self.dW = dout.T @ self.x"),),
            (("return x @ self.W + self.b", "return x @ self.W"),),
            (("return dout @ self.W.T", "return dout @ self.W"),),
        ],
        "variants": [
            (("return x @ self.W + self.b", "return np.dot(x, self.W) + self.b"),
             ("self.db = dout.sum(axis=0)", "self.db = np.sum(dout, axis=0)")),
            (("self.dW = self.x.T @ dout", "self.dW = (dout.T @ self.x).T"),
             ("return dout @ self.W.T", "return (self.W @ dout.T).T")),
            # The book's Affine, which takes inputs of any shape.
            (("self.x = x\n        return x @ self.W + self.b",
              "self.original_x_shape = x.shape\n        self.x = x.reshape(x.shape[0], -1)\n"
              "        return np.dot(self.x, self.W) + self.b"),
             ("return dout @ self.W.T", "return np.dot(dout, self.W.T).reshape(*self.original_x_shape)")),
        ],
    },
    "relu": {
        "bugs": [
            (("return dout * self.mask", "return 1.0 * self.mask"),),
            (("self.mask = x > 0", "self.mask = x < 0"),),
            # Refused on purpose: the book's backward, which overwrites the caller's dout.
            (("self.mask = x > 0", "self.mask = x <= 0"),
             ("return dout * self.mask", "dout[self.mask] = 0\n        return dout")),
        ],
        "variants": [
            (("self.mask = x > 0", "self.mask = x >= 0"),),
            (("self.mask = x > 0\n        return np.maximum(x, 0)",
              "self.mask = x <= 0\n        out = x.copy()\n        out[self.mask] = 0\n        return out"),
             ("return dout * self.mask", "dx = dout.copy()\n        dx[self.mask] = 0\n        return dx")),
            (("return np.maximum(x, 0)", "return np.where(x > 0, x, 0.0)"),),
        ],
    },
    "sigmoid": {
        "bugs": [
            (("return dout * self.out * (1 - self.out)", "return dout * (1 - self.out)"),),
            (("return dout * self.out * (1 - self.out)", "return self.out * (1 - self.out)"),),
            (("self.out = 1 / (1 + np.exp(-x))", "self.out = 1 / (1 + np.exp(x))"),),
        ],
        "variants": [
            (("self.out = 1 / (1 + np.exp(-x))", "self.out = 0.5 * (1 + np.tanh(x / 2))"),),
            (("return dout * self.out * (1 - self.out)", "return dout * (1.0 - self.out) * self.out"),),
        ],
    },
    "softmax_with_loss": {
        "bugs": [
            (("return dx * (dout / batch_size)", "return dx * dout"),),
            (("shifted = x - x.max(axis=1, keepdims=True)", "shifted = x"),),
            (("self.loss = float(-log_probabilities.mean())", "self.loss = float(-log_probabilities.sum())"),),
            book_softmax("1e-3"),  # a constant far larger than the book's: the loss moves by up to 1e-3 / y
        ],
        "variants": [
            book_softmax("1e-7"),  # the book's cross_entropy_error
            book_softmax("1e-12"),
            # The book's backward, which ignores dout (the loss layer is always called with 1).
            (("return dx * (dout / batch_size)", "return dx / batch_size"),),
            # PyTorch's log_softmax: x minus its logsumexp.
            (("log_probabilities = shifted[rows, t] - np.log(sums[:, 0])",
              "log_probabilities = (x - (x.max(axis=1) + np.log(np.exp(shifted).sum(axis=1)))[:, None])[rows, t]"),),
        ],
    },
    "numerical_gradient": {
        "bugs": [
            (("(f_plus - f_minus) / (2 * h)", "(f_plus - f_minus) / h"),),
            (("        x[index] = saved\n", ""),),  # x not restored
            (("gradient[index] = (f_plus - f_minus) / (2 * h)", "gradient[index] = (f_plus - f(x)) / h"),),
            (("gradient = np.zeros_like(x)\n", "gradient = np.zeros_like(x)\n    x = x.copy()\n"),),
        ],
        "variants": [
            # The book's loop.
            ((NUMERICAL_LOOP,
              "    it = np.nditer(x, flags=['multi_index'], op_flags=['readwrite'])\n    while not it.finished:\n"
              "        idx = it.multi_index\n        tmp_val = x[idx]\n        x[idx] = float(tmp_val) + h\n"
              "        fxh1 = f(x)\n        x[idx] = tmp_val - h\n        fxh2 = f(x)\n"
              "        gradient[idx] = (fxh1 - fxh2) / (2 * h)\n        x[idx] = tmp_val\n        it.iternext()\n"),),
            ((NUMERICAL_LOOP,
              "    flat, out = x.reshape(-1), gradient.reshape(-1)\n    for i in range(x.size):\n"
              "        saved = flat[i]\n        flat[i] = saved + h\n        f_plus = f(x)\n"
              "        flat[i] = saved - h\n        f_minus = f(x)\n        flat[i] = saved\n"
              "        out[i] = (f_plus - f_minus) / (2 * h)\n"),),
        ],
    },
    "two_layer_net": {
        "bugs": [
            (("for layer in reversed(self.layers.values()):", "for layer in self.layers.values():"),),
            (('"b1": self.layers["Affine1"].db', '"b1": self.layers["Affine2"].db'),
             ('"b2": self.layers["Affine2"].db', '"b2": self.layers["Affine1"].db')),
            (("dout = self.last_layer.backward(1.0)", "dout = self.last_layer.backward(2.0)"),),
            (("for layer in self.layers.values():\n            x = layer.forward(x)",
              "for name in ('Affine1', 'Affine2'):\n            x = self.layers[name].forward(x)"),),
        ],
        "variants": [
            (("for layer in reversed(self.layers.values()):",
              "layers = list(self.layers.values())\n        layers.reverse()\n        for layer in layers:"),),
            (("dout = self.last_layer.backward(1.0)", "dout = self.last_layer.backward(1)"),),
            (("for layer in self.layers.values():\n            x = layer.forward(x)",
              "for name in ('Affine1', 'ReLU1', 'Affine2'):\n            x = self.layers[name].forward(x)"),),
        ],
    },
    "sgd": {
        "bugs": [
            (("params[key] -= self.lr * grads[key]", "params[key] = params[key] - self.lr * grads[key]"),),
            (("params[key] -= self.lr * grads[key]", "params[key] += self.lr * grads[key]"),),
            (("params[key] -= self.lr * grads[key]", "params[key] -= 0.01 * grads[key]"),),
        ],
        "variants": [
            (("class SGD:", "import numpy as np\n\n\nclass SGD:"),
             ("params[key] -= self.lr * grads[key]", "np.subtract(params[key], self.lr * grads[key], out=params[key])")),
            (("params[key] -= self.lr * grads[key]", "params[key] -= grads[key] * self.lr"),),
            (("params[key] -= self.lr * grads[key]", "params[key][...] = params[key] - self.lr * grads[key]"),),
        ],
    },
    "momentum": {
        "bugs": [
            (("self.momentum * self.v[key] - self.lr * grads[key]", "self.momentum * self.v[key] - grads[key]"),),
            (("if self.v is None:", "if True:"),),  # the velocity reset every step
            (("params[key] += self.v[key]", "params[key] -= self.v[key]"),),
            (("self.momentum * self.v[key] - self.lr * grads[key]", "0.9 * self.v[key] - self.lr * grads[key]"),),
        ],
        "variants": [
            ((MOMENTUM_STEP, "            self.v[key] = self.momentum * self.v[key] + grads[key]\n"
                             "            params[key] -= self.lr * self.v[key]\n"),),  # PyTorch's sign convention
            ((MOMENTUM_STEP, "            self.v[key] *= self.momentum\n            self.v[key] += self.lr * grads[key]\n"
                             "            params[key] -= self.v[key]\n"),),  # Sutskever's
        ],
    },
    "nesterov": {
        "bugs": [
            (("params[key] += self.momentum * self.v[key] - self.lr * grads[key]", "params[key] += self.v[key]"),),
            ((NESTEROV_STEP, "            params[key] += self.momentum * self.v[key] - self.lr * grads[key]\n"
                             "            self.v[key] = self.momentum * self.v[key] - self.lr * grads[key]\n"),),
            (("if self.v is None:", "if True:"),),
            (("self.v[key] = self.momentum * self.v[key]", "self.v[key] = 0.9 * self.v[key]"),),
        ],
        "variants": [
            ((NESTEROV_STEP, "            params[key] += self.momentum * self.momentum * self.v[key]\n"
                             "            params[key] -= (1 + self.momentum) * self.lr * grads[key]\n"
                             "            self.v[key] *= self.momentum\n"
                             "            self.v[key] -= self.lr * grads[key]\n"),),  # the book's code
            ((NESTEROV_STEP, "            self.v[key] = self.momentum * self.v[key] + grads[key]\n"
                             "            params[key] -= self.lr * (grads[key] + self.momentum * self.v[key])\n"),),
        ],
    },
    "adagrad": {
        "bugs": [
            (("(np.sqrt(self.h[key]) + self.eps)", "np.sqrt(self.h[key] + self.eps)"),),
            (("self.h[key] += grads[key] * grads[key]", "self.h[key] = grads[key] * grads[key]"),),
            (("(np.sqrt(self.h[key]) + self.eps)", "(self.h[key] + self.eps)"),),
        ],
        "variants": [
            (("(np.sqrt(self.h[key]) + self.eps)", "(np.sqrt(self.h[key]) + 1e-7)"),),  # the book's code
            (("self.h[key] += grads[key] * grads[key]", "self.h[key] += np.square(grads[key])"),),
            (("self.h[key] += grads[key] * grads[key]", "self.h[key] = self.h[key] + grads[key] ** 2"),),
        ],
    },
    "rmsprop": {
        "bugs": [
            # First on purpose: the grader's tests plant it as right for the visible check, caught by the hidden one only.
            (("(1 - self.decay_rate) * grads", "(1 - 0.99) * grads"),),
            (("self.decay_rate * self.h[key] + (1 - self.decay_rate) * grads[key] * grads[key]",
              "(1 - self.decay_rate) * self.h[key] + self.decay_rate * grads[key] * grads[key]"),),
            (("(np.sqrt(self.h[key]) + self.eps)", "np.sqrt(self.h[key] + self.eps)"),),
            (("self.decay_rate * self.h[key] + (1 - self.decay_rate) * grads[key] * grads[key]",
              "self.h[key] + grads[key] * grads[key]"),),  # AdaGrad: nothing forgotten
        ],
        "variants": [
            (("self.h[key] = self.decay_rate * self.h[key] + (1 - self.decay_rate) * grads[key] * grads[key]",
              "self.h[key] *= self.decay_rate\n            self.h[key] += (1 - self.decay_rate) * grads[key] * grads[key]"),
             ("(np.sqrt(self.h[key]) + self.eps)", "(np.sqrt(self.h[key]) + 1e-7)")),  # the book's code
            (("self.h[key] = self.decay_rate * self.h[key] + (1 - self.decay_rate) * grads[key] * grads[key]",
              "self.h[key] += (1 - self.decay_rate) * (grads[key] * grads[key] - self.h[key])"),),
        ],
    },
    "adam": {
        "bugs": [
            (("m_hat = self.m[key] / (1 - self.beta1**self.iter)", "m_hat = self.m[key]"),),
            (("v_hat = self.v[key] / (1 - self.beta2**self.iter)", "v_hat = self.v[key]"),),
            (("(np.sqrt(v_hat) + self.eps)", "np.sqrt(v_hat + self.eps)"),),
            (("        self.iter += 1\n", ""), (ADAM_STEP, ADAM_STEP + "        self.iter += 1\n")),  # t off by one
            (("(np.sqrt(v_hat) + self.eps)", "(np.sqrt(v_hat) + 1e-7)"),),  # the book's literal eps
        ],
        "variants": [
            # Kingma and Ba's efficient form, as the book's code writes it (with self.eps).
            ((ADAM_MOMENTS + ADAM_STEP,
              "            lr_t = self.lr * np.sqrt(1.0 - self.beta2**self.iter) / (1.0 - self.beta1**self.iter)\n"
              "            self.m[key] += (1 - self.beta1) * (grads[key] - self.m[key])\n"
              "            self.v[key] += (1 - self.beta2) * (grads[key] ** 2 - self.v[key])\n"
              "            params[key] -= lr_t * self.m[key] / (np.sqrt(self.v[key]) + self.eps)\n"),),
            ((ADAM_STEP,  # PyTorch's
              "            denominator = np.sqrt(self.v[key]) / np.sqrt(1 - self.beta2**self.iter) + self.eps\n"
              "            params[key] -= self.lr / (1 - self.beta1**self.iter) * self.m[key] / denominator\n"),),
            ((ADAM_MOMENTS,
              "            self.m[key] += (1 - self.beta1) * (grads[key] - self.m[key])\n"
              "            self.v[key] += (1 - self.beta2) * (grads[key] ** 2 - self.v[key])\n"),),
        ],
    },
    "minibatches": {
        "bugs": [
            (("permutation = rng.permutation(len(x))", "permutation = np.arange(len(x))"),),
            (("for start in range(0, len(x), batch_size):", "for start in range(0, len(x) - batch_size + 1, batch_size):"),),
            (("x[permutation], t[permutation]", "x[permutation], t[rng.permutation(len(t))]"),),
            (("rng.permutation(len(x))", "np.random.permutation(len(x))"),),
            (("rng.permutation(len(x))", "rng.choice(len(x), len(x))"),),  # with replacement, as the book's Trainer
        ],
        "variants": [
            (("permutation = rng.permutation(len(x))", "permutation = np.arange(len(x))\n    rng.shuffle(permutation)"),),
            (("rng.permutation(len(x))", "rng.choice(len(x), len(x), replace=False)"),),
            ((MINIBATCH_LOOP, "    return [(x_shuffled[start : start + batch_size], t_shuffled[start : start + batch_size])\n"
                              "            for start in range(0, len(x), batch_size)]\n"),),
        ],
    },
    "initialisation": {
        "bugs": [
            (("np.sqrt(2.0 / fan_in)", "np.sqrt(2.0 / fan_out)"),),
            (("np.sqrt(2.0 / fan_in)", "2.0 / fan_in"),),  # the variance for the standard deviation
            (("return rng.normal(0.0, np.sqrt(1.0 / fan_in), size=(fan_in, fan_out))",
              "return np.random.randn(fan_in, fan_out) * np.sqrt(1.0 / fan_in)"),),  # the book's global generator
            (("np.sqrt(2.0 / fan_in), size=(fan_in, fan_out)", "np.sqrt(2.0 / fan_in), size=(fan_out, fan_in)"),),
        ],
        "variants": [
            (("return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))",
              "return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)"),),
            (("np.sqrt(2.0 / fan_in)", "np.sqrt(2) / np.sqrt(fan_in)"),),
        ],
    },
    "im2col": {
        "bugs": [
            (("col.transpose(0, 4, 5, 1, 2, 3)", "col.transpose(0, 4, 5, 2, 3, 1)"),),  # pixels as (row, column, channel)
            (("col.transpose(0, 4, 5, 1, 2, 3).reshape(", "col.reshape("),),  # no transpose at all
            (("] += col[:, :, i, j, :, :]", "] = col[:, :, i, j, :, :]"),),  # = for +=
            (("return img[:, :, pad : pad + height, pad : pad + width]", "return img"),),  # the padding kept
            (("col.transpose(0, 4, 5, 1, 2, 3).reshape(batch * out_h * out_w, -1)",
              "col.reshape(batch, channels * filter_h * filter_w, -1)"),),  # minidl's per-image layout
        ],
        "variants": [
            # The book's code.
            ((IM2COL_FILL, "    img = np.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)], 'constant')\n"
                           "    col = np.zeros((batch, channels, filter_h, filter_w, out_h, out_w))\n"
                           "    for y in range(filter_h):\n        y_max = y + stride * out_h\n"
                           "        for x in range(filter_w):\n            x_max = x + stride * out_w\n"
                           "            col[:, :, y, x, :, :] = img[:, :, y:y_max:stride, x:x_max:stride]\n"),
             (COL2IM_ADD, "    img = np.zeros((batch, channels, height + 2 * pad + stride - 1, width + 2 * pad + stride - 1))\n"
                          "    for y in range(filter_h):\n        y_max = y + stride * out_h\n"
                          "        for x in range(filter_w):\n            x_max = x + stride * out_w\n"
                          "            img[:, :, y:y_max:stride, x:x_max:stride] += col[:, :, y, x, :, :]\n")),
            # A loop over the windows, in both directions.
            ((IM2COL_FILL + "    return col.transpose(0, 4, 5, 1, 2, 3).reshape(batch * out_h * out_w, -1)\n",
              "    img = np.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)])\n    rows = []\n"
              "    for n in range(batch):\n        for y in range(out_h):\n            for x in range(out_w):\n"
              "                window = img[n, :, y * stride : y * stride + filter_h, x * stride : x * stride + filter_w]\n"
              "                rows.append(window.ravel())\n    return np.array(rows)\n"),
             ("    col = col.reshape(batch, out_h, out_w, channels, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)\n"
              + COL2IM_ADD,
              "    col = col.reshape(batch, out_h, out_w, channels, filter_h, filter_w)\n"
              "    img = np.zeros((batch, channels, height + 2 * pad, width + 2 * pad))\n"
              "    for y in range(out_h):\n        for x in range(out_w):\n"
              "            img[:, :, y * stride : y * stride + filter_h, x * stride : x * stride + filter_w] += col[:, y, x]\n")),
            # sliding_window_view, and np.add.at.
            ((IM2COL_FILL + "    return col.transpose(0, 4, 5, 1, 2, 3).reshape(batch * out_h * out_w, -1)\n",
              "    img = np.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)])\n"
              "    windows = np.lib.stride_tricks.sliding_window_view(img, (filter_h, filter_w), axis=(2, 3))\n"
              "    windows = windows[:, :, ::stride, ::stride][:, :, :out_h, :out_w]\n"
              "    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(batch * out_h * out_w, -1)\n"),
             (COL2IM_ADD,
              "    img = np.zeros((batch, channels, height + 2 * pad, width + 2 * pad), dtype=col.dtype)\n"
              "    rows = (np.arange(filter_h)[:, None] + stride * np.arange(out_h)[None, :])[:, None, :, None]\n"
              "    columns = (np.arange(filter_w)[:, None] + stride * np.arange(out_w)[None, :])[None, :, None, :]\n"
              "    np.add.at(img, (slice(None), slice(None), rows, columns), col)\n")),
        ],
    },
    "convolution": {
        "bugs": [
            (("col_W = self.W.reshape(FN, -1).T", "col_W = self.W.reshape(-1, FN)"),),  # the filter reshape
            (("col_W = self.W.reshape(FN, -1).T", "col_W = self.W.T.reshape(-1, FN)"),),
            (("return out.reshape(N, out_h, out_w, FN).transpose(0, 3, 1, 2)", "return out.reshape(N, FN, out_h, out_w)"),),
            (("(self.col.T @ dout).transpose(1, 0).reshape(FN, C, FH, FW)", "(self.col.T @ dout).reshape(FN, C, FH, FW)"),),
            (("col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)", "col2im(dcol, self.x.shape, FH, FW, self.stride)"),),
            (("self.db = dout.sum(axis=0)", "self.db = dout.mean(axis=0)"),),
        ],
        "variants": [
            # The book's code.
            (("out = col @ col_W + self.b", "out = np.dot(col, col_W) + self.b"),
             ("self.dW = (self.col.T @ dout).transpose(1, 0).reshape(FN, C, FH, FW)",
              "self.dW = np.dot(self.col.T, dout)\n        self.dW = self.dW.transpose(1, 0).reshape(FN, C, FH, FW)"),
             ("dcol = dout @ self.col_W.T", "dcol = np.dot(dout, self.col_W.T)"),
             ("self.db = dout.sum(axis=0)", "self.db = np.sum(dout, axis=0)")),
            (("out = col @ col_W + self.b", "out = np.einsum('pk,fk->pf', col, self.W.reshape(FN, -1)) + self.b"),
             ("self.dW = (self.col.T @ dout).transpose(1, 0).reshape(FN, C, FH, FW)",
              "self.dW = np.einsum('pf,pk->fk', dout, self.col).reshape(self.W.shape)")),
            (("self.dW = (self.col.T @ dout).transpose(1, 0).reshape(FN, C, FH, FW)",
              "self.dW = (dout.T @ self.col).reshape(self.W.shape)"),),
            (("out = col @ col_W + self.b", "out = self.W.reshape(FN, -1) @ col.T + self.b[:, None]"),
             ("return out.reshape(N, out_h, out_w, FN).transpose(0, 3, 1, 2)",
              "return out.reshape(FN, N, out_h, out_w).transpose(1, 0, 2, 3)")),
            (("out = col @ col_W + self.b", "out = np.tensordot(col, col_W, axes=1) + self.b"),),
        ],
    },
    "pooling": {
        "bugs": [
            # Refused on purpose: the book's zero padding.
            (("self.stride, self.pad, pad_value=-np.inf)", "self.stride, self.pad)"),),
            (("return out.reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2)", "return out.reshape(N, C, out_h, out_w)"),),
            # Ties: the whole dout to every tied maximum.
            (("        self.x = x\n", "        self.x = x\n        self.col = col\n"),
             ("dmax[np.arange(self.arg_max.size), self.arg_max.flatten()] = dout.flatten()",
              "dmax = (self.col == self.col.max(axis=1, keepdims=True)) * dout.reshape(-1, 1)")),
            (("self.arg_max = np.argmax(col, axis=1)", "self.arg_max = np.argmin(col, axis=1)"),),
            (("        dout = dout.transpose(0, 2, 3, 1)\n", ""),),  # dout left in the layout (N, C, out_h, out_w)
        ],
        "variants": [
            # The last of the tied maxima.
            (("self.arg_max = np.argmax(col, axis=1)",
              "self.arg_max = col.shape[1] - 1 - np.argmax(col[:, ::-1], axis=1)"),),
            # An equal share to each tied maximum.
            (("        self.x = x\n", "        self.x = x\n        self.col = col\n"),
             ("dmax[np.arange(self.arg_max.size), self.arg_max.flatten()] = dout.flatten()",
              "mask = self.col == self.col.max(axis=1, keepdims=True)\n"
              "        dmax = mask / mask.sum(axis=1, keepdims=True) * dout.reshape(-1, 1)")),
            (("dmax[np.arange(self.arg_max.size), self.arg_max.flatten()] = dout.flatten()",
              "np.put_along_axis(dmax, self.arg_max[:, None], dout.reshape(-1, 1), axis=1)"),),
            (("out = np.max(col, axis=1)", "out = col[np.arange(len(col)), self.arg_max]"),),
        ],
    },
    "simple_conv_net": {
        "bugs": [
            (("for layer in reversed(self.layers.values()):", "for layer in self.layers.values():"),),
            (("(height + 2 * pad - filter_size)", "(height - filter_size)"),
             ("(width + 2 * pad - filter_size)", "(width - filter_size)")),  # the padding left out
            (("pool_output_size = filter_num * (conv_h // 2) * (conv_w // 2)",
              "pool_output_size = int(filter_num * (conv_h / 2) * (conv_h / 2))"),),  # the book's formula
            (('grads[f"W{number}"] = self.layers[name].dW', 'grads[f"W{number}"] = self.layers[name].db'),),
            (("// stride + 1\n        conv_w", "+ 1\n        conv_w"),
             ("(width + 2 * pad - filter_size) // stride + 1", "(width + 2 * pad - filter_size) + 1")),  # no stride
        ],
        "variants": [
            (("for layer in reversed(self.layers.values()):",
              "layers = list(self.layers.values())\n        layers.reverse()\n        for layer in layers:"),),
            (("dout = self.last_layer.backward(1.0)", "dout = self.last_layer.backward(1)"),),
            (("conv_h = (height + 2 * pad - filter_size) // stride + 1",
              "conv_h = int((height + 2 * pad - filter_size) / stride) + 1"),
             ("conv_w = (width + 2 * pad - filter_size) // stride + 1",
              "conv_w = int((width + 2 * pad - filter_size) / stride) + 1")),
        ],
    },
}


def mutated(exercise, edits):
    """The key's solution of ``exercise`` with every (old, new) of ``edits`` applied; each old occurs once."""
    text = solution(key_source(EXERCISES[exercise]))
    for old, new in edits:
        assert text.count(old) == 1, f"{exercise}: {old!r} occurs {text.count(old)} times in the key"
        text = text.replace(old, new)
    return text
