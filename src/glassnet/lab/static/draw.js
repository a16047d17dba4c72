// Canvas drawing: the decision boundary with the points, the hidden units' heat maps, misclassified digits.
// The server sends grids as base64 bytes, row-major with the top row first (see glassnet/lab/views.py).

export const CLASS_COLOURS = [[245, 147, 34], [8, 119, 189], [44, 160, 44], [214, 39, 40], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207]];

export function decode(base64) {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

function gridCanvas(size, fill) {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const context = canvas.getContext("2d");
  const image = context.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const [r, g, b] = fill(i);
    image.data.set([r, g, b, 255], 4 * i);
  }
  context.putImageData(image, 0, 0);
  return canvas;
}

// A class colour faded towards white as the confidence (0..255) falls.
function faded(colour, confidence) {
  const keep = 0.15 + 0.55 * (confidence / 255);
  return colour.map((channel) => Math.round(255 - keep * (255 - channel)));
}

export function drawBoundary(canvas, view) {
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff";
  context.fillRect(0, 0, canvas.width, canvas.height);
  if (!view.boundary) {
    context.fillStyle = "#666";
    context.fillText("no boundary: the data has more than two features", 10, 20);
    return;
  }
  const classes = decode(view.boundary.classes);
  const confidence = decode(view.boundary.confidence);
  const grid = gridCanvas(view.boundary.size, (i) => faded(CLASS_COLOURS[classes[i] % 10], confidence[i]));
  context.imageSmoothingEnabled = true;
  context.drawImage(grid, 0, 0, canvas.width, canvas.height);
  const [xMin, xMax, yMin, yMax] = view.data.extent;
  const toPixel = (x, y) => [(x - xMin) / (xMax - xMin) * canvas.width, (yMax - y) / (yMax - yMin) * canvas.height];
  for (const [part, outline] of [["train", "#fff"], ["dev", "#000"]]) {
    const points = view.data.points[part];
    for (let i = 0; i < points.x.length; i++) {
      const [px, py] = toPixel(points.x[i], points.y[i]);
      context.beginPath();
      context.arc(px, py, 3, 0, 2 * Math.PI);
      context.fillStyle = `rgb(${CLASS_COLOURS[points.label[i] % 10].join(",")})`;
      context.fill();
      context.strokeStyle = outline;
      context.stroke();
    }
  }
}

// One small canvas per hidden unit, one row per layer: orange for negative, blue for positive (bytes 0..255, 127.5 = 0).
export function drawUnits(container, units) {
  container.replaceChildren();
  if (!units) return;
  units.layers.forEach((maps, index) => {
    const row = document.createElement("div");
    row.className = "unit-row";
    row.append(Object.assign(document.createElement("span"), { textContent: `layer ${index + 1}` }));
    for (const map of maps) {
      const values = decode(map);
      row.append(gridCanvas(units.size, (i) => {
        const signed = (values[i] - 127.5) / 127.5;
        return faded(signed < 0 ? CLASS_COLOURS[0] : CLASS_COLOURS[1], Math.abs(signed) * 255);
      }));
    }
    container.append(row);
  });
}

export function drawDigits(container, digits) {
  container.replaceChildren();
  for (const digit of digits || []) {
    const pixels = decode(digit.pixels);
    const figure = document.createElement("div");
    figure.append(gridCanvas(8, (i) => [255 - pixels[i], 255 - pixels[i], 255 - pixels[i]]));
    const label = document.createElement("span");
    label.textContent = `${digit.true} → ${digit.predicted}`;
    figure.append(label);
    container.append(figure);
  }
}
