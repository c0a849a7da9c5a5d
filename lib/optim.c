/* ffnn — optimizers: Keras 3 update formulas (keras-semantics.md §3.3).
 *
 * Keras keeps variables and optimizer slots in float32 and does every step in
 * float32 arithmetic, hyperparameters cast to float32 first (a Python
 * `1 - beta_1` becomes float32(0.1)).  This file does the same, in Keras's
 * order of operations, so an update here is the float32 update Keras makes:
 * per-element and scalar factors alike are float expressions.
 *
 * State arrays by kind (all n floats, same layout as the parameters):
 *   sgd      m = momentum buffer (only if momentum != 0)
 *   adam(w)  m = first moment, v = second moment, vhat = running max of v (amsgrad)
 *   rmsprop  v = mean square, m = momentum buffer (momentum > 0),
 *            vhat = mean gradient (centered)
 *   adagrad  v = accumulator (starts at initial_accumulator_value)
 */
#include "ffnn/optim.h"

#include <math.h>
#include <string.h>

#include "internal.h"

static const char *const optim_names[FFNN_OPTIM_COUNT] = {
    [FFNN_OPTIM_SGD] = "sgd",         [FFNN_OPTIM_ADAM] = "adam",
    [FFNN_OPTIM_ADAMW] = "adamw",     [FFNN_OPTIM_RMSPROP] = "rmsprop",
    [FFNN_OPTIM_ADAGRAD] = "adagrad",
};

/* Keras defaults for every field, whatever the kind, so a config can switch
 * kinds and keep the others' defaults. */
ffnn_optim_spec ffnn_optim_default(ffnn_optim_kind kind)
{
    ffnn_optim_spec s = {
        .kind = kind,
        .learning_rate = kind == FFNN_OPTIM_SGD ? 0.01 : 0.001,
        .beta_1 = 0.9,
        .beta_2 = 0.999,
        .epsilon = 1e-7,
        .amsgrad = false,
        .weight_decay = kind == FFNN_OPTIM_ADAMW ? 0.004 : 0.0,
        .momentum = 0.0,
        .nesterov = false,
        .rho = 0.9,
        .centered = false,
        .initial_accumulator_value = 0.1,
    };
    return s;
}

const char *ffnn_optim_name(ffnn_optim_kind k)
{
    return ffnn_enum_name(optim_names, FFNN_OPTIM_COUNT, (int)k);
}

ffnn_names ffnn_optim_names(void)
{
    ffnn_names t = {optim_names, FFNN_OPTIM_COUNT, ffnn_optim_parse};
    return t;
}

/* ASCII case-insensitive equality (locale-free). */
static int same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        int ca = *a >= 'A' && *a <= 'Z' ? *a - 'A' + 'a' : *a;
        int cb = *b >= 'A' && *b <= 'Z' ? *b - 'A' + 'a' : *b;
        if (ca != cb)
            return 0;
    }
    return *a == *b;
}

int ffnn_optim_parse(const char *name)
{
    if (!name)
        return -1;
    for (int k = 0; k < FFNN_OPTIM_COUNT; k++)
        if (same_name(name, optim_names[k]))
            return k;
    return -1;
}

/* Zeroes the state arrays that exist (adagrad's accumulator: its initial value). */
static void clear_state(ffnn_optim *o)
{
    size_t bytes = o->n * sizeof(float);
    if (o->m)
        memset(o->m, 0, bytes);
    if (o->vhat)
        memset(o->vhat, 0, bytes);
    if (o->v) {
        if (o->spec.kind == FFNN_OPTIM_ADAGRAD) {
            float a = (float)o->spec.initial_accumulator_value;
            for (size_t i = 0; i < o->n; i++)
                o->v[i] = a;
        } else {
            memset(o->v, 0, bytes);
        }
    }
    o->lr = o->spec.learning_rate;
    o->iterations = 0;
}

/* Allocates the state arrays the kind and options need (see the table at the
 * top).  On failure o is left released.  FFNN_ECONFIG for an unknown kind,
 * FFNN_ENOMEM when out of memory. */
ffnn_status ffnn_optim_init(ffnn_optim *o, const ffnn_optim_spec *spec, size_t n, ffnn_error *err)
{
    memset(o, 0, sizeof *o);
    if ((unsigned)spec->kind >= FFNN_OPTIM_COUNT)
        return ffnn_error_set(err, FFNN_ECONFIG, "optimizer: unknown kind %d", (int)spec->kind);
    o->spec = *spec;
    o->n = n;
    bool need_m = false, need_v = false, need_vhat = false;
    switch (spec->kind) {
    case FFNN_OPTIM_SGD:
        need_m = spec->momentum != 0.0;
        break;
    case FFNN_OPTIM_ADAM:
    case FFNN_OPTIM_ADAMW:
        need_m = need_v = true;
        need_vhat = spec->amsgrad;
        break;
    case FFNN_OPTIM_RMSPROP:
        need_v = true;
        need_m = spec->momentum > 0.0;
        need_vhat = spec->centered;
        break;
    case FFNN_OPTIM_ADAGRAD:
        need_v = true;
        break;
    default:
        break;
    }
    if ((need_m && !(o->m = ffnn_calloc(n, sizeof(float)))) ||
        (need_v && !(o->v = ffnn_calloc(n, sizeof(float)))) ||
        (need_vhat && !(o->vhat = ffnn_calloc(n, sizeof(float))))) {
        ffnn_optim_release(o);
        return ffnn_error_nomem(err);
    }
    clear_state(o);
    return FFNN_OK;
}

/* Frees the state; o is left zeroed, so releasing twice is harmless. */
void ffnn_optim_release(ffnn_optim *o)
{
    if (!o)
        return;
    free(o->m);
    free(o->v);
    free(o->vhat);
    memset(o, 0, sizeof *o);
}

void ffnn_optim_reset(ffnn_optim *o)
{
    clear_state(o);
}

/* Adam / AdamW (amsgrad):
 *   m += (g − m)(1 − β1);  v += (g² − v)(1 − β2);  [v̂ = max(v̂, v); v = v̂]
 *   α = lr·√(1 − β2ᵗ)/(1 − β1ᵗ);  w −= m·α / (√v + ε)
 * AdamW's decay w −= w·wd·lr comes first, element by element. */
typedef struct {
    float c1, c2, alpha, eps, wd, lr;
    int decay;
} adam_consts;

/* Elements [b, e) of the common case (no amsgrad), one at a time: the
 * definition the vector loops below follow operation for operation (sqrt,
 * division, and every multiply and add are exactly rounded, and none is
 * fused, so every width gives the same bits). */
static void adam_scalar(float *restrict w, const float *restrict g, float *restrict m,
                        float *restrict v, size_t b, size_t e, const adam_consts *k)
{
    for (size_t i = b; i < e; i++) {
        float wi = w[i];
        if (k->decay)
            wi = wi - wi * k->wd * k->lr;
        m[i] += (g[i] - m[i]) * k->c1;
        v[i] += (g[i] * g[i] - v[i]) * k->c2;
        w[i] = wi - m[i] * k->alpha / (sqrtf(v[i]) + k->eps);
    }
}

#if defined(__GNUC__) && defined(__x86_64__) && (defined(__clang__) || __GNUC__ >= 6)
#define OPTIM_X86 1
#include <immintrin.h>

/* adam_scalar 16 (8) elements at a time: one pass reading w, g, m, v and
 * writing w, m, v, at the memory's speed on a large model. */
#define ADAM_VECTOR(name, tgt, vt, n, set1, ld, st, add, sub, mul, div, sqrt)               \
    __attribute__((target(tgt))) static void name(float *restrict w, const float *restrict g, \
                                                      float *restrict m, float *restrict v,      \
                                                      size_t b, size_t e, const adam_consts *k)  \
    {                                                                                          \
        const vt c1 = set1(k->c1), c2 = set1(k->c2), alpha = set1(k->alpha);                   \
        const vt eps = set1(k->eps), wd = set1(k->wd), lr = set1(k->lr);                       \
        size_t i = b;                                                                          \
        for (; i + n <= e; i += n) {                                                           \
            vt gi = ld(g + i), mi = ld(m + i), vi = ld(v + i), wi = ld(w + i);                 \
            if (k->decay)                                                                      \
                wi = sub(wi, mul(mul(wi, wd), lr));                                            \
            mi = add(mi, mul(sub(gi, mi), c1));                                                \
            vi = add(vi, mul(sub(mul(gi, gi), vi), c2));                                       \
            st(m + i, mi);                                                                     \
            st(v + i, vi);                                                                     \
            st(w + i, sub(wi, div(mul(mi, alpha), add(sqrt(vi), eps))));                       \
        }                                                                                      \
        /* clean upper halves before SSE code (GCC omits it on a tail call) */                 \
        _mm256_zeroupper();                                                                    \
        adam_scalar(w, g, m, v, i, e, k);                                                      \
    }
ADAM_VECTOR(adam_avx512, "avx512f", __m512, 16, _mm512_set1_ps, _mm512_loadu_ps, _mm512_storeu_ps,
            _mm512_add_ps, _mm512_sub_ps, _mm512_mul_ps, _mm512_div_ps, _mm512_sqrt_ps)
ADAM_VECTOR(adam_avx, "avx", __m256, 8, _mm256_set1_ps, _mm256_loadu_ps, _mm256_storeu_ps,
            _mm256_add_ps, _mm256_sub_ps, _mm256_mul_ps, _mm256_div_ps, _mm256_sqrt_ps)

/* 2: AVX-512, 1: AVX, 0: scalar. */
static int optim_isa(void)
{
    static int isa = -1;
    int i = __atomic_load_n(&isa, __ATOMIC_RELAXED);
    if (i < 0) {
        __builtin_cpu_init();
        i = __builtin_cpu_supports("avx512f") ? 2 : __builtin_cpu_supports("avx") ? 1 : 0;
        __atomic_store_n(&isa, i, __ATOMIC_RELAXED);
    }
    return i;
}
#endif

static void adam_step(ffnn_optim *o, float *restrict w, const float *restrict g, float lr, size_t b,
                      size_t e)
{
    const ffnn_optim_spec *s = &o->spec;
    float t = (float)(o->iterations + 1);
    float b1 = (float)s->beta_1, b2 = (float)s->beta_2;
    adam_consts k = {
        .c1 = (float)(1.0 - s->beta_1),
        .c2 = (float)(1.0 - s->beta_2),
        .alpha = lr * sqrtf(1.0f - powf(b2, t)) / (1.0f - powf(b1, t)),
        .eps = (float)s->epsilon,
        .wd = (float)s->weight_decay,
        .lr = lr,
        .decay = s->weight_decay != 0.0,
    };
    float *restrict m = o->m, *restrict v = o->v, *restrict vh = o->vhat;
    if (!vh) {
#if defined(OPTIM_X86)
        switch (optim_isa()) {
        case 2: adam_avx512(w, g, m, v, b, e, &k); return;
        case 1: adam_avx(w, g, m, v, b, e, &k); return;
        default: break;
        }
#endif
        adam_scalar(w, g, m, v, b, e, &k);
        return;
    }
    if (k.decay)
        for (size_t i = b; i < e; i++)
            w[i] = w[i] - w[i] * k.wd * lr;
    for (size_t i = b; i < e; i++) {
        m[i] += (g[i] - m[i]) * k.c1;
        v[i] += (g[i] * g[i] - v[i]) * k.c2;
        vh[i] = vh[i] > v[i] ? vh[i] : v[i];
        w[i] -= m[i] * k.alpha / (sqrtf(vh[i]) + k.eps);
    }
}

/* SGD: momentum 0: w −= g·lr.  Else m = m·μ − g·lr, then w += m, or with
 * Nesterov w += m·μ − g·lr. */
static void sgd_step(ffnn_optim *o, float *restrict w, const float *restrict g, float lr, size_t b,
                     size_t e)
{
    float *restrict m = o->m;
    if (!m) {
        for (size_t i = b; i < e; i++)
            w[i] -= g[i] * lr;
        return;
    }
    float mu = (float)o->spec.momentum;
    for (size_t i = b; i < e; i++) {
        m[i] = m[i] * mu - g[i] * lr;
        if (o->spec.nesterov)
            w[i] += m[i] * mu - g[i] * lr;
        else
            w[i] += m[i];
    }
}

/* RMSprop:  v = ρv + (1−ρ)g²;  centered: mg = ρ·mg + (1−ρ)g, den = v − mg² + ε,
 * else den = v + ε;  inc = lr·g/√den;  momentum: mom = μ·mom + inc, w −= mom;
 * else w −= inc. */
static void rmsprop_step(ffnn_optim *o, float *restrict w, const float *restrict g, float lr,
                         size_t b, size_t e)
{
    float rho = (float)o->spec.rho, c = (float)(1.0 - o->spec.rho);
    float eps = (float)o->spec.epsilon, mu = (float)o->spec.momentum;
    float *restrict v = o->v, *restrict mom = o->m, *restrict mg = o->vhat;
    for (size_t i = b; i < e; i++) {
        v[i] = rho * v[i] + c * (g[i] * g[i]);
        float den;
        if (mg) {
            mg[i] = rho * mg[i] + c * g[i];
            den = v[i] - mg[i] * mg[i] + eps;
        } else {
            den = v[i] + eps;
        }
        float inc = lr * g[i] / sqrtf(den);
        if (mom) {
            mom[i] = mu * mom[i] + inc;
            w[i] -= mom[i];
        } else {
            w[i] -= inc;
        }
    }
}

/* Adagrad:  a += g²;  w −= lr·g / √(a + ε) */
static void adagrad_step(ffnn_optim *o, float *restrict w, const float *restrict g, float lr,
                         size_t b, size_t e)
{
    float eps = (float)o->spec.epsilon;
    float *restrict a = o->v;
    for (size_t i = b; i < e; i++) {
        a[i] += g[i] * g[i];
        w[i] -= lr * g[i] / sqrtf(a[i] + eps);
    }
}

/* Elements [b, e) of one step: decoupled weight decay w −= w·wd·lr (if
 * wd != 0, every parameter), then the kind's update.  Each element's update
 * reads only its own state, so any split of the range gives the same bits. */
static void step_range(ffnn_optim *o, float *w, const float *g, size_t b, size_t e)
{
    float lr = (float)o->lr;
    /* Adam and AdamW apply the decay in their own pass over the element */
    if (o->spec.weight_decay != 0.0 && o->spec.kind != FFNN_OPTIM_ADAM &&
        o->spec.kind != FFNN_OPTIM_ADAMW) {
        float wd = (float)o->spec.weight_decay;
        for (size_t i = b; i < e; i++)
            w[i] = w[i] - w[i] * wd * lr;
    }
    switch (o->spec.kind) {
    case FFNN_OPTIM_SGD: sgd_step(o, w, g, lr, b, e); break;
    case FFNN_OPTIM_ADAM:
    case FFNN_OPTIM_ADAMW: adam_step(o, w, g, lr, b, e); break;
    case FFNN_OPTIM_RMSPROP: rmsprop_step(o, w, g, lr, b, e); break;
    case FFNN_OPTIM_ADAGRAD: adagrad_step(o, w, g, lr, b, e); break;
    default: break;
    }
}

void ffnn_optim_step(ffnn_optim *o, float *w, const float *g)
{
    step_range(o, w, g, 0, o->n);
    o->iterations++;
}

typedef struct {
    ffnn_optim *o;
    float *w;
    const float *g;
} step_job;

static void step_part(void *ctx, int part, int nparts)
{
    step_job *j = ctx;
    /* Parts in whole cache lines of floats. */
    size_t n = j->o->n, chunk = ((n + (size_t)nparts - 1) / (size_t)nparts + 15) & ~(size_t)15;
    size_t b = (size_t)part * chunk, e = b + chunk < n ? b + chunk : n;
    if (b < e)
        step_range(j->o, j->w, j->g, b, e);
}

void ffnn_optim_step_pool(ffnn_optim *o, float *w, const float *g, ffnn_pool *pool)
{
    int parts = ffnn_pool_threads(pool);
    /* Small models: one thread (waking workers costs more than the step). */
    if (parts < 2 || o->n < (size_t)1 << 15) {
        ffnn_optim_step(o, w, g);
        return;
    }
    step_job j = {o, w, g};
    ffnn_pool_run(pool, parts, step_part, &j);
    o->iterations++;
}
