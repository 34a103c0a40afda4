// A CommonJS, callback-style handler.
exports.handler = (event, _context, callback) => {
  setTimeout(() => callback(null, { greeting: `hello ${event.name}` }), 5);
};
