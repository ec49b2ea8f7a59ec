// The transcripts module's HTTP adapter, mounted by the composition root (src/app).
export { createTranscriptsRouter } from './routes';
