// Exports no handler.
export const notTheHandler = () => 'nothing';
