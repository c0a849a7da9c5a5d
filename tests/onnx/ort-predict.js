// Runs an ffnn-export model in ONNX Runtime (onnxruntime-node, installed
// here by `make deps`) on the rows of a CSV file and prints what
// ffnn-predict prints for them: the target column when the input has it,
// `prediction`, and p_<class> per class (numbers as JavaScript prints the
// float32 results).  Used by tests/cli/test_export.sh.
//
//   node ort-predict.js MODEL.onnx INPUT.csv INFO.json
//
// INFO.json is `ffnn-info --json MODEL.ffnn`: it names the feature columns
// and their kind, so the inputs are built from ffnn's own account of the
// model, not from the exported file's metadata (the test checks those
// separately).  Input CSV: no quoted fields.  A missing numeric value
// (ffnn's tokens: empty, NA, NaN, nan, N/A, null, ?) is NaN; categorical
// values pass as they are.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));

const MISSING = new Set(['', 'NA', 'NaN', 'nan', 'N/A', 'null', '?']);

function readCsv(file) {
    const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
    return { header: lines[0].split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

async function main() {
    const [modelPath, csvPath, infoPath] = process.argv.slice(2);
    const info = JSON.parse(fs.readFileSync(infoPath, 'utf8'));
    const { header, rows } = readCsv(csvPath);
    const col = (name) => {
        const i = header.indexOf(name);
        if (i < 0) throw new Error(`${csvPath}: no column "${name}"`);
        return i;
    };
    const numeric = info.columns.filter((c) => c.kind === 'numeric').map((c) => col(c.name));
    const categorical = info.columns.filter((c) => c.kind === 'categorical').map((c) => col(c.name));
    const N = rows.length;
    const feeds = {};
    if (numeric.length > 0) {
        const x = new Float64Array(N * numeric.length);
        rows.forEach((r, i) => numeric.forEach((j, k) => {
            const s = r[j].trim();
            x[i * numeric.length + k] = MISSING.has(s) ? NaN : Number(s);
        }));
        feeds.X = new ort.Tensor('float64', x, [N, numeric.length]);
    }
    if (categorical.length > 0) {
        const c = [];
        rows.forEach((r) => categorical.forEach((j) => c.push(r[j])));
        feeds.C = new ort.Tensor('string', c, [N, categorical.length]);
    }
    const session = await ort.InferenceSession.create(modelPath);
    const out = await session.run(feeds);

    const target = header.indexOf(info.target);
    const head = [];
    if (target >= 0) head.push(info.target);
    head.push('prediction');
    const classes = info.task === 'regression' ? [] : info.classes;
    classes.forEach((k) => head.push(`p_${k}`));
    const lines = [head.join(',')];
    for (let i = 0; i < N; i++) {
        const f = [];
        if (target >= 0) f.push(rows[i][target]);
        if (info.task === 'regression') {
            f.push(String(out.value.data[i]));
        } else {
            f.push(String(out.label.data[i]));
            for (let k = 0; k < classes.length; k++)
                f.push(String(out.probabilities.data[i * classes.length + k]));
        }
        lines.push(f.join(','));
    }
    process.stdout.write(lines.join('\n') + '\n');
}

main().catch((e) => {
    process.stderr.write(`ort-predict: ${e.message}\n`);
    process.exit(1);
});
